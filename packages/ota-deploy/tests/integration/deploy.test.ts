// Deployments against the emulator (moto plus tooling/testing's extension) and a simulated fleet: CreateJob with
// every config echoed by DescribeJob, clean-up idempotent on a half-created deployment and never touching another
// deployment's job or stream, and the real deploy state machine run locally with the real handlers — every round
// succeeds; one device fails and the rounds stop, naming it; abort criteria cancel the job and the round fails,
// saying so; a device stuck IN_PROGRESS is ended by the round's deadline and its execution cancelled with force;
// a list deployment's own target group is removed, so a smaller list later never reaches the old devices.
import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DescribeJobCommand,
  DescribeStreamCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { DeleteObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { awsClient } from "@fleet/shared-aws";
import { enableJobEvents, jobEvents, SimulatedFleet } from "@fleet/testing/simulated-fleet";
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
  await enableJobEvents(iot);
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
  roundDeadlineMinutes: 10,
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

    const own = { owner: plan.owner, jobId: "itEcho-r1", streamId: "itEcho-stream" };
    expect(await invoke("clean-up", own)).toMatchObject({ job: "deleted", stream: "deleted" });
    await absent(iot.send(new DescribeJobCommand({ jobId: "itEcho-r1" })));
    await absent(iot.send(new DescribeStreamCommand({ streamId: "itEcho-stream" })));
    expect(await invoke("clean-up", own)).toMatchObject({ job: "absent", stream: "absent" });
  });

  it("a second deployment of the same ids conflicts and leaves the first one's job and stream running", async () => {
    const things = (await startFleet("itTwice", 2, { overrides: { itTwice0: "ignore", itTwice1: "ignore" } }))
      .things;
    const first = await invoke<Record<string, unknown>>("plan-deployment", config("itTwice", things));
    await invoke("deploy-round", { plan: first, round: 1 });
    const { error } = await deploy(config("itTwice", things));
    expect(error).toMatchObject({
      name: "ConflictError",
      cause: expect.stringContaining("another deployment"),
    });
    expect((await iot.send(new DescribeJobCommand({ jobId: "itTwice-r1" }))).job?.status).toBe("IN_PROGRESS");
    expect(
      (await iot.send(new DescribeStreamCommand({ streamId: "itTwice-stream" }))).streamInfo,
    ).toBeDefined();
    await invoke("clean-up", { owner: first.owner, jobId: "itTwice-r1", streamId: "itTwice-stream" });
  });

  it("refuses a release whose pinned firmware version is gone, before anything is created", async () => {
    const key = firmwareKey("7.2.0", "gone.bin");
    const uploaded = await uploadFirmware(awsClient(S3Client), {
      bucket: BUCKET,
      key,
      file: firmwareFile("gone.bin", 1000),
    });
    await invoke("release", { version: "7.2.0", key });
    const s3 = awsClient(S3Client);
    await s3.send(
      new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: uploaded.versionId as string }),
    );
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toBeDefined();
    await expect(
      invoke("plan-deployment", { ...config("itGone", ["itEcho0"]), release: "7.2.0" }),
    ).rejects.toMatchObject({ name: "NotFoundError", message: expect.stringContaining("no longer exists") });
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

  it("ends a round whose device is stuck IN_PROGRESS at the round's deadline, names it, and cancels it with force", async () => {
    // "timeout" takes the execution and never reports again; without a timeoutConfig only the deadline ends it.
    const { things } = await startFleet("itStuck", 3, { overrides: { itStuck1: "timeout" } });
    const { error } = await deploy(config("itStuck", things, { roundDeadlineMinutes: 1 }));
    expect(error?.name).toBe("RoundFailed");
    expect(error?.cause).toMatch(
      /the round's deadline passed before every device finished: itStuck1 IN_PROGRESS/,
    );
    const cancelled = (await jobEvents(endpoint(), "itStuck-r1")).filter(
      (e) => e.topic === "$aws/events/jobExecution/itStuck-r1/canceled",
    );
    expect(cancelled.map((e) => e.payload.thingArn)).toEqual([expect.stringMatching(/thing\/itStuck1$/)]);
    await absent(iot.send(new DescribeJobCommand({ jobId: "itStuck-r1" })));
    await absent(iot.send(new DescribeStreamCommand({ streamId: "itStuck-stream" })));
  });

  it("fails the round the abort criteria cancelled, saying so, and deploys no further round", async () => {
    const { things } = await startFleet("itAbort", 4, {
      overrides: { itAbort0: "fail", itAbort1: "fail" },
      downloadSeconds: { min: 1, max: 2 },
    });
    const { error } = await deploy(
      config("itAbort", things, {
        rounds: 2,
        abort: {
          criteriaList: [{ failureType: "FAILED", thresholdPercentage: 50, minNumberOfExecutedThings: 2 }],
        },
      }),
    );
    expect(error?.name).toBe("RoundFailed");
    expect(error?.cause).toMatch(
      /^round 1 \(job itAbort-r1\) failed: the job was cancelled \(abort criteria met/,
    );
    await absent(iot.send(new DescribeJobCommand({ jobId: "itAbort-r2" })));
  });

  it("targets more than 100 things through its own static group, removed at the end, so a smaller list later reaches only its devices", async () => {
    const { things } = await startFleet("itMany", 106, { downloadSeconds: { min: 1, max: 5 } });
    const first = await deploy(config("itMany", things));
    expect(first.error).toBeUndefined();
    expect(first.output).toMatchObject({
      lastRound: { succeeded: true, counts: { numberOfSucceededThings: 106 } },
    });
    await absent(
      iot.send(new DescribeThingGroupCommand({ thingGroupName: `itMany-${first.output?.owner}` })),
    );
    const second = await deploy(config("itMany", things.slice(0, 101)));
    expect(second.output).toMatchObject({
      lastRound: { succeeded: true, counts: { numberOfSucceededThings: 101 } },
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
