// The manifest infra and the local apps read: the lists bucket, every handler's entry, sizing, environment and
// the resources it uses, and the state machine definition.
import { handlerEntries, type PackageManifest } from "@fleet/manifest";
import { handlerEnv } from "./config";
import definition from "./state-machine.asl.json" with { type: "json" };

const handler = handlerEntries(handlerEnv);

// Paced steps run up to Lambda's 15 minutes and stop 30 s early with a cursor; single calls need seconds.
const LONG = { timeoutSeconds: 900, memoryMb: 512 };
const SHORT = { timeoutSeconds: 60, memoryMb: 256 };

export const manifest: PackageManifest = {
  name: "jobs-targeting",
  packageDir: "packages/jobs-targeting",
  resources: {
    lists: {
      kind: "bucket",
      description: "Exclude lists and job documents, named by the events that use them",
    },
  },
  handlers: Object.fromEntries([
    // Creates and deletes devices: left out of stacks without test-fleet tools (prod).
    handler("seed-things", "Seeds or deletes test things by prefix at the registry quotas; resumable", LONG, {
      testFleetTool: true,
    }),
    handler(
      "start-targeted-job",
      "Validates a targeted-job request, detects conflicts, starts the state machine",
      SHORT,
    ),
    handler("fill-exclude-group", "Fills a static thing group from an S3 exclude list; resumable", LONG),
    handler(
      "teardown",
      "Stops a job's running executions; cancels and deletes the job, its groups and optionally its test things",
      LONG,
    ),
    handler("preview", "Counts the devices a job would target and exclude; creates nothing", LONG),
    handler("ensure-indexing", "State machine step: thing indexing on, other settings kept", SHORT),
    handler("index-status", "State machine step: the AWS_Things index status", SHORT),
    handler(
      "confirm-exclusions",
      "State machine step: the fleet index reflects every exclude-group member",
      LONG,
    ),
    handler("create-target-group", "State machine step: the job's dynamic thing group", SHORT),
    // IoT reads a job document kept in the lists bucket with create-job's credentials.
    handler("create-job", "State machine step: the CONTINUOUS job on the dynamic group", SHORT, {
      uses: ["lists"],
    }),
    // The exclude set of a long list lives in memory for constant-time lookups.
    handler(
      "fast-track",
      "State machine step: update key into the reported shadow of every target; resumable",
      {
        timeoutSeconds: 900,
        memoryMb: 1024,
      },
    ),
  ]),
  stateMachines: {
    "targeted-job": {
      description:
        "A CONTINUOUS IoT job on a fleet-index query minus an exclude list, exclusions confirmed first",
      definition,
    },
  },
};
