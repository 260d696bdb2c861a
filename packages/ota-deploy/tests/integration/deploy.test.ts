// Deployments against the emulator (moto plus tooling/testing's extension) and a simulated fleet: CreateJob with
// every config echoed by DescribeJob, clean-up idempotent on a half-created deployment, and the real deploy state
// machine run locally with the real handlers — every round succeeds; one device fails and the rounds stop, naming
// it; a device that never answers is ended by the round's deadline and everything is cleaned up.
import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DescribeJobCommand,
  DescribeStreamCommand,
  GetJobDocumentCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient } from "@fleet/shared-aws";
import { jobEvents, SimulatedFleet } from "@fleet/testing/simulated-fleet";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import type { DeploymentConfigInput } from "../../src/core/deployment-config";
import { firmwareKey } from "../../src/core/names";
import { uploadFirmware } from "../../src/core/upload";
import definition from "../../src/deploy.asl.json" with { type: "json" };
import {
  configureHandlers,
  createFirmwareBucket,
  firmwareFile,
  invoke,
  OTA_ROLE,
} from "../support/integration";

jest.setTimeout(240_000);
const BUCKET = "it-deploy-firmware";
const VERSION = "7.1.0";
const iot = awsClient(IoTClient);
const endpoint = () => process.env.AWS_ENDPOINT_URL as string;
const absent = (promise: Promise<unknown>) =>
  expect(promise).rejects.toMatchObject({ name: "ResourceNotFoundException" });

let fleet: SimulatedFleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

beforeAll(async () => {
  await createFirmwareBucket(BUCKET);
  configureHandlers(BUCKET);
  const key = firmwareKey(VERSION, "app.bin");
  await uploadFirmware(awsClient(S3Client), {
    bucket: BUCKET,
    key,
    file: firmwareFile("deploy.bin", 200_000),
  });
  await invoke("release", { version: VERSION, key });
});

async function startFleet(
  prefix: string,
  count: number,
  options: Partial<ConstructorParameters<typeof SimulatedFleet>[0]> = {},
) {
  fleet = new SimulatedFleet({
    count,
    prefix,
    downloadSeconds: { min: 20, max: 80 },
    msPerSecond: 2,
    pollMs: 30,
    seed: 11,
    ...options,
  });
  await fleet.provision();
  fleet.start();
  return fleet;
}

/** The real definition with the real handlers; the state machine's waits are stood in for by a short pause. */
async function deploy(config: DeploymentConfigInput) {
  const invokeStep = async (handler: string, payload: unknown) => {
    if (handler === "round-status") await new Promise((resolve) => setTimeout(resolve, 100));
    return invoke(handler as never, payload);
  };
  try {
    return {
      output: (await runStateMachineLocally(definition, config, invokeStep)) as Record<string, unknown>,
    };
  } catch (error) {
    const cause = (error as { cause?: { name: string; message: string } }).cause;
    return { error: { name: cause?.name, cause: cause?.message ?? "" } };
  }
}

const config = (
  jobId: string,
  things: string[],
  extra: Partial<DeploymentConfigInput> = {},
): DeploymentConfigInput => ({
  jobId,
  streamId: `${jobId}-stream`,
  release: VERSION,
  targets: { things },
  pollSeconds: 1,
  maxPollSeconds: 5,
  delayBetweenRoundsSeconds: 0,
  ...extra,
});

describe("a round's job and its clean-up", () => {
  it("creates the stream and a job with every config, as DescribeJob echoes it, and the merged document", async () => {
    const things = (await startFleet("itEcho", 2)).things;
    const plan = await invoke<Record<string, unknown>>(
      "plan-deployment",
      config("itEcho", things, {
        targetSelection: "SNAPSHOT",
        document: { inline: { Info1: "123", fileId: 35 } },
        presignedUrl: { roleArn: OTA_ROLE, expiresInSec: 900 },
        rollout: {
          maximumPerMinute: 500,
          exponentialRate: {
            baseRatePerMinute: 50,
            incrementFactor: 1.5,
            rateIncreaseCriteria: { numberOfSucceededThings: 10 },
          },
        },
        abort: {
          criteriaList: [{ failureType: "FAILED", thresholdPercentage: 12.5, minNumberOfExecutedThings: 3 }],
        },
        timeout: { inProgressTimeoutInMinutes: 30 },
        retry: { criteriaList: [{ failureType: "TIMED_OUT", numberOfRetries: 2 }] },
      }),
    );
    const round = await invoke<{ jobId: string; job: string; stream: string }>("deploy-round", {
      plan,
      round: 1,
    });
    expect(round).toMatchObject({ jobId: "itEcho-r1", job: "created", stream: "created" });
    const { job } = await iot.send(new DescribeJobCommand({ jobId: "itEcho-r1" }));
    expect(job).toMatchObject({
      targetSelection: "SNAPSHOT",
      presignedUrlConfig: { roleArn: OTA_ROLE, expiresInSec: 900 },
      jobExecutionsRolloutConfig: {
        maximumPerMinute: 500,
        exponentialRate: {
          baseRatePerMinute: 50,
          incrementFactor: 1.5,
          rateIncreaseCriteria: { numberOfSucceededThings: 10 },
        },
      },
      abortConfig: {
        criteriaList: [
          {
            failureType: "FAILED",
            action: "CANCEL",
            thresholdPercentage: 12.5,
            minNumberOfExecutedThings: 3,
          },
        ],
      },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: "TIMED_OUT", numberOfRetries: 2 }] },
    });
    expect(job?.targets).toHaveLength(2);
    const document = JSON.parse(
      (await iot.send(new GetJobDocumentCommand({ jobId: "itEcho-r1" }))).document as string,
    );
    expect(document).toMatchObject({
      Info1: "123",
      command: "fota",
      streamId: "itEcho-stream",
      imageVer: VERSION,
      fileSize: 200_000,
    });
    expect(document.fileId).not.toBe(35);
    expect(document.md5sum).toMatch(/^[0-9a-f]{32}$/);
    const stream = await iot.send(new DescribeStreamCommand({ streamId: "itEcho-stream" }));
    expect(stream.streamInfo?.roleArn).toBe(OTA_ROLE);
    expect(stream.streamInfo?.files?.[0]).toMatchObject({
      fileId: document.fileId,
      s3Location: { bucket: BUCKET, key: firmwareKey(VERSION, "app.bin") },
    });
    // A re-run finds both and carries on.
    expect(await invoke("deploy-round", { plan, round: 1 })).toMatchObject({
      job: "existed",
      stream: "existed",
    });

    expect(await invoke("clean-up", { jobId: "itEcho-r1", streamId: "itEcho-stream" })).toMatchObject({
      job: "deleted",
      stream: "deleted",
    });
    await absent(iot.send(new DescribeJobCommand({ jobId: "itEcho-r1" })));
    await absent(iot.send(new DescribeStreamCommand({ streamId: "itEcho-stream" })));
    expect(await invoke("clean-up", { jobId: "itEcho-r1", streamId: "itEcho-stream" })).toMatchObject({
      job: "absent",
      stream: "absent",
    });
  });

  it("refuses a config with a missing thing, naming it, before anything is created", async () => {
    await expect(invoke("plan-deployment", config("itMissing", ["nobodyHere1"]))).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringContaining("targets.things: nobodyHere1 do not exist"),
    });
    await expect(
      invoke("plan-deployment", { ...config("itMissing", ["a"]), rounds: 0 }),
    ).rejects.toMatchObject({
      message: expect.stringContaining("rounds: must be a whole number from 1 to 40"),
    });
    const otherRole = "arn:aws:iam::123456789012:role/someone-elses";
    await expect(
      invoke("plan-deployment", {
        ...config("itMissing", ["a"]),
        presignedUrl: { roleArn: otherRole, expiresInSec: 60 },
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining("presignedUrl.roleArn: this stack passes only its OTA role"),
    });
  });
});

describe("the deploy state machine against the simulated fleet", () => {
  it("runs two rounds in which every device succeeds, cleaning up after each", async () => {
    const { things } = await startFleet("itOk", 5);
    const { output, error } = await deploy(config("itOk", things, { rounds: 2 }));
    expect(error).toBeUndefined();
    expect(output).toMatchObject({
      jobId: "itOk",
      rounds: 2,
      lastRound: { succeeded: true, counts: { numberOfSucceededThings: 5 } },
    });
    for (const jobId of ["itOk-r1", "itOk-r2"]) {
      const events = await jobEvents(endpoint(), jobId);
      expect(events.filter((e) => e.topic === `$aws/events/jobExecution/${jobId}/succeeded`)).toHaveLength(5);
      await absent(iot.send(new DescribeJobCommand({ jobId })));
    }
    await absent(iot.send(new DescribeStreamCommand({ streamId: "itOk-stream" })));
  });

  it("stops at the first failed round, naming the device and its status details, and deploys no further round", async () => {
    const { things } = await startFleet("itFail", 4, { overrides: { itFail2: "fail" } });
    const { error } = await deploy(config("itFail", things, { rounds: 3 }));
    expect(error?.name).toBe("RoundFailed");
    expect(error?.cause).toMatch(
      /^round 1 \(job itFail-r1\) failed: not every device succeeded: itFail2 FAILED /,
    );
    expect(error?.cause).toContain('"reason":"simulated fail"');
    expect(error?.cause).toMatch(/"downloadTime":"\d+"/);
    await absent(iot.send(new DescribeJobCommand({ jobId: "itFail-r1" })));
    await absent(iot.send(new DescribeJobCommand({ jobId: "itFail-r2" })));
  });

  it("ends a round whose device never answers at the round's deadline, names it, and cleans up", async () => {
    const { things } = await startFleet("itStuck", 3, { overrides: { itStuck1: "ignore" } });
    const { error } = await deploy(config("itStuck", things, { roundDeadlineMinutes: 1 }));
    expect(error?.name).toBe("RoundFailed");
    expect(error?.cause).toMatch(/the round's deadline passed before every device finished: itStuck1 QUEUED/);
    await absent(iot.send(new DescribeJobCommand({ jobId: "itStuck-r1" })));
    await absent(iot.send(new DescribeStreamCommand({ streamId: "itStuck-stream" })));
  });

  it("targets more than 100 things through a static group filled with jobs-targeting's fill", async () => {
    const { things } = await startFleet("itMany", 105, { downloadSeconds: { min: 1, max: 5 } });
    const { output, error } = await deploy(config("itMany", things));
    expect(error).toBeUndefined();
    expect(output).toMatchObject({
      lastRound: { succeeded: true, counts: { numberOfSucceededThings: 105 } },
    });
  });

  it("uses an existing thing group as the target", async () => {
    const { things } = await startFleet("itGroup", 3);
    await iot.send(new CreateThingGroupCommand({ thingGroupName: "itGroupFleet" }));
    for (const thingName of things)
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: "itGroupFleet", thingName }));
    const { output } = await deploy({
      ...config("itGroup", things),
      targets: { thingGroup: "itGroupFleet" },
    });
    expect(output).toMatchObject({ lastRound: { succeeded: true, counts: { numberOfSucceededThings: 3 } } });
  });
});
