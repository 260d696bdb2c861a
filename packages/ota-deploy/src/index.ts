// The manifest infra and the local apps read: the firmware bucket, every handler's entry, sizing, environment
// and the resources it uses, and the two state machine definitions.
import { handlerEntries, type PackageManifest } from "@fleet/manifest";
import { handlerEnv } from "./config";
import { DEPLOYER } from "./core/deployer";
import { EXPIRES_AT, PARTITION_KEY, SORT_KEY } from "./core/schedule-queue";
import deploy from "./deploy.asl.json" with { type: "json" };
import release from "./release.asl.json" with { type: "json" };

const handler = handlerEntries(handlerEnv);
/** The force stopper's on-failure destination (infra wires it). */
export const FORCE_STOP_FAILURES = "force-stop-failures";

// Resumable steps run up to Lambda's 15 minutes and stop 30 s early with a cursor; single calls need seconds.
const LONG = { timeoutSeconds: 900, memoryMb: 512 };
const SHORT = { timeoutSeconds: 60, memoryMb: 256 };
/** job-metrics, the job-events queue's consumer: a batch of a thousand events takes milliseconds. */
const JOB_METRICS = { timeoutSeconds: 30, memoryMb: 256 };

/** The queue both job-event rules deliver to; job-metrics consumes it (its event source mapping). */
export const JOB_EVENTS_QUEUE = "job-events";
/** Events SQS gave up on after maxReceives, and events the rules could not deliver (their error action). */
export const JOB_EVENTS_DEAD_LETTERS = "job-events-dead-letters";
/**
 * The event source mapping's batches (infra): up to 1000 events, gathered for at most 10 s (SQS allows a batch
 * over 10 only with a window). A metric reaches CloudWatch at most ~10 s later than one event an invocation
 * would: nothing next to an alarm's period of at least 60 s.
 */
export const JOB_METRICS_BATCH = { size: 1000, windowSeconds: 10, maximumConcurrency: 5 } as const;
/**
 * The job-events queue's visibility timeout (infra sets it): six times its consumer's timeout plus the batching
 * window, as AWS advises for a Lambda event source, so a batch being recorded is not delivered again meanwhile.
 */
export const JOB_EVENTS_VISIBILITY_TIMEOUT_SECONDS =
  6 * JOB_METRICS.timeoutSeconds + JOB_METRICS_BATCH.windowSeconds;

export const manifest: PackageManifest = {
  name: "ota-deploy",
  packageDir: "packages/ota-deploy",
  resources: {
    firmware: {
      kind: "bucket",
      description: "Firmware objects, release records, target lists and custom job documents",
    },
    schedule: {
      kind: "table",
      description:
        "The schedule queue: each scheduled deployment under its status, sorted by submission time (oldest first)",
      partitionKey: PARTITION_KEY,
      sortKey: SORT_KEY,
      // Deployed and Failed entries are the queue's history, kept SCHEDULE_HISTORY_DAYS after they settle.
      ttlAttribute: EXPIRES_AT,
    },
    [JOB_EVENTS_DEAD_LETTERS]: {
      kind: "queue",
      description:
        "Job events that could not be turned into metrics or delivered by a rule: kept 14 days, alarmed",
    },
    [JOB_EVENTS_QUEUE]: {
      kind: "queue",
      description: "AWS IoT job and job-execution events of the stack's jobs, waiting for job-metrics",
      deadLetter: { queue: JOB_EVENTS_DEAD_LETTERS, maxReceives: 5 },
    },
    [FORCE_STOP_FAILURES]: {
      kind: "queue",
      description:
        "Force-stop notifications the force stopper failed on after Lambda's retries (its on-failure destination): kept 14 days, alarmed, to replay",
    },
  },
  handlers: Object.fromEntries([
    handler(
      "release",
      "Verifies a firmware object's MD5 and SHA-256 (ranged, streamed, resumable), signs it with KMS, records the release once",
      LONG,
    ),
    handler(
      "plan-deployment",
      "State machine step: validates a deployment config, its release, targets and merged job document",
      SHORT,
    ),
    handler(
      "fill-target-group",
      "State machine step: fills the static target group of a large deployment (paced, resumable)",
      LONG,
    ),
    handler("deploy-round", "State machine step: the round's stream, job and alarms", SHORT),
    handler(
      "round-status",
      "State machine step: a round's progress, or its verdict naming the devices that failed",
      SHORT,
    ),
    handler(
      "job-metrics",
      "Consumes the job-events queue: job and job-execution events as CloudWatch metrics (EMF), per job and minute and for the stack",
      JOB_METRICS,
      { uses: [JOB_EVENTS_QUEUE] },
    ),
    handler(
      "status",
      "A job's summary (counts, rollout progress, abort/timeout config, elapsed) and its failed, rejected and timed-out devices, paged and paced",
      SHORT,
    ),
    handler(
      "clean-up",
      "Deletes a round's alarms, cancels (force) and deletes its job, deletes its stream; idempotent",
      SHORT,
    ),
    handler(
      "force-stopper",
      "Subscribed to the ota-force-stopper topic: cancels (force) the job of a round alarm in ALARM, and tells the e-mail topic",
      SHORT,
      // Lambda, as its role, sends an invocation that failed every retry there.
      { uses: [FORCE_STOP_FAILURES] },
    ),
    handler(
      "add-schedule",
      "Checks a deployment (config, release, targets) and queues it as a PendingDeployment; answers its id",
      SHORT,
    ),
    handler(
      "list-schedule",
      "Operator: the queue's deployments of one status, oldest first, a page at a time",
      SHORT,
    ),
    handler(
      "deployer",
      "Run by the schedule: claims the oldest pending deployment (one claimer), starts its deploy execution once",
      DEPLOYER,
    ),
  ]),
  stateMachines: {
    deploy: {
      description:
        "Deploys a release in rounds: stream and job, wait, verify, clean up, delay; stops at the first failed round",
      definition: deploy,
    },
    "release-firmware": {
      description: "Verifies and optionally signs a firmware object, looping on the release handler's cursor",
      definition: release,
    },
  },
};
