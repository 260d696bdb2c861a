// The emulator's IoT OTA extension (moto_extension.py) answers as AWS documents it: the jobs data plane with
// version numbers and status details, the in-progress timeout, abort criteria, CancelJob with and without force,
// DeleteJob, group targets fanning out, jobProcessDetails, the job-execution events, streams, KMS DIGEST signing,
// atomic S3 conditional writes and DynamoDB item writes, and CloudWatch alarm notifications to SNS actions.
import { createHash, createPublicKey, verify } from "node:crypto";
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  AddThingToThingGroupCommand,
  CancelJobCommand,
  CreateJobCommand,
  CreateStreamCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteJobCommand,
  DeleteStreamCommand,
  DescribeEventConfigurationsCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  DescribeStreamCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
  ListStreamsCommand,
  UpdateEventConfigurationsCommand,
} from "@aws-sdk/client-iot";
import {
  GetPendingJobExecutionsCommand,
  IoTJobsDataPlaneClient,
  StartNextPendingJobExecutionCommand,
  UpdateJobExecutionCommand,
} from "@aws-sdk/client-iot-jobs-data-plane";
import { CreateKeyCommand, GetPublicKeyCommand, KMSClient, SignCommand } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { enableJobEvents, jobEvents, setTimeoutMinute } from "../../src/simulated-fleet";
import { listenedTopic } from "../../src/sns-listener";

const iot = new IoTClient({});
const jobs = new IoTJobsDataPlaneClient({});
const ACCOUNT = "arn:aws:iot:us-east-1:123456789012";
const endpoint = () => process.env.AWS_ENDPOINT_URL as string;
const thingArn = (name: string) => `${ACCOUNT}:thing/${name}`;

async function things(prefix: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  for (const thingName of names) await iot.send(new CreateThingCommand({ thingName }));
  return names;
}

const statusOf = async (jobId: string, thingName: string) =>
  (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution?.status;

/** Polls until `check` holds; the emulator applies timeouts when asked, so no fixed sleep decides a result. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not reached");
}

beforeAll(async () => {
  await setTimeoutMinute(endpoint(), 60);
  await enableJobEvents(iot);
});

describe("event configurations", () => {
  it("publishes job events only for the types UpdateEventConfigurations enabled, as AWS does", async () => {
    await iot.send(
      new UpdateEventConfigurationsCommand({
        eventConfigurations: { JOB: { Enabled: false }, JOB_EXECUTION: { Enabled: false } },
      }),
    );
    try {
      const [device] = await things("extQuiet", 1);
      await iot.send(
        new CreateJobCommand({ jobId: "ext-quiet", targets: [thingArn(device as string)], document: "{}" }),
      );
      await jobs.send(
        new UpdateJobExecutionCommand({ thingName: device, jobId: "ext-quiet", status: "SUCCEEDED" }),
      );
      expect(await jobEvents(endpoint(), "ext-quiet")).toEqual([]);
      const { eventConfigurations } = await iot.send(new DescribeEventConfigurationsCommand({}));
      expect(eventConfigurations?.JOB_EXECUTION).toEqual({ Enabled: false });
    } finally {
      await enableJobEvents(iot);
    }
    const { eventConfigurations } = await iot.send(new DescribeEventConfigurationsCommand({}));
    expect(eventConfigurations).toMatchObject({ JOB: { Enabled: true }, JOB_EXECUTION: { Enabled: true } });
  });
});

describe("the jobs data plane", () => {
  it("gives a device its pending execution, takes its status with details, versions, and refuses leaving a terminal status", async () => {
    const [device] = await things("extData", 1);
    await iot.send(
      new CreateJobCommand({
        jobId: "ext-data",
        targets: [thingArn(device as string)],
        document: '{"command":"fota"}',
      }),
    );
    const pending = await jobs.send(new GetPendingJobExecutionsCommand({ thingName: device }));
    expect(pending.queuedJobs?.map((j) => j.jobId)).toEqual(["ext-data"]);
    const { execution } = await jobs.send(
      new StartNextPendingJobExecutionCommand({ thingName: device, statusDetails: { step: "download" } }),
    );
    expect(execution).toMatchObject({
      jobId: "ext-data",
      status: "IN_PROGRESS",
      jobDocument: '{"command":"fota"}',
      versionNumber: 2,
    });
    await expect(
      jobs.send(
        new UpdateJobExecutionCommand({
          thingName: device,
          jobId: "ext-data",
          status: "SUCCEEDED",
          expectedVersion: 1,
        }),
      ),
    ).rejects.toMatchObject({ name: "VersionConflictException" });
    await jobs.send(
      new UpdateJobExecutionCommand({
        thingName: device,
        jobId: "ext-data",
        status: "SUCCEEDED",
        statusDetails: { downloadTime: "42" },
      }),
    );
    await expect(
      jobs.send(new UpdateJobExecutionCommand({ thingName: device, jobId: "ext-data", status: "FAILED" })),
    ).rejects.toMatchObject({ name: "InvalidStateTransitionException" });
    const { job } = await iot.send(new DescribeJobCommand({ jobId: "ext-data" }));
    expect(job?.status).toBe("COMPLETED");
    expect(job?.jobProcessDetails).toMatchObject({ numberOfSucceededThings: 1, numberOfQueuedThings: 0 });
    const events = await jobEvents(endpoint(), "ext-data");
    expect(events.map((e) => e.topic)).toEqual([
      "$aws/events/jobExecution/ext-data/succeeded",
      "$aws/events/job/ext-data/completed",
    ]);
    expect(events[0]?.payload).toMatchObject({
      eventType: "JOB_EXECUTION",
      jobId: "ext-data",
      thingArn: thingArn(device as string),
      status: "SUCCEEDED",
      statusDetails: { downloadTime: "42" },
    });
  });
});

describe("job semantics", () => {
  it("times an execution out after the in-progress timeout", async () => {
    const [device] = await things("extTimeout", 1);
    await setTimeoutMinute(endpoint(), 0.2);
    try {
      await iot.send(
        new CreateJobCommand({
          jobId: "ext-timeout",
          targets: [thingArn(device as string)],
          document: "{}",
          timeoutConfig: { inProgressTimeoutInMinutes: 1 },
        }),
      );
      await jobs.send(new StartNextPendingJobExecutionCommand({ thingName: device }));
      await until(async () => (await statusOf("ext-timeout", device as string)) === "TIMED_OUT");
      expect((await jobEvents(endpoint(), "ext-timeout")).map((e) => e.topic)).toContain(
        "$aws/events/jobExecution/ext-timeout/timed_out",
      );
    } finally {
      await setTimeoutMinute(endpoint(), 60);
    }
  });

  /** A job on `devices` cancelled once half of at least `minExecuted` executed things failed. */
  const createJobCancelledAtHalfFailed = (jobId: string, devices: string[], minExecuted: number) =>
    iot.send(
      new CreateJobCommand({
        jobId,
        targets: devices.map(thingArn),
        document: "{}",
        abortConfig: {
          criteriaList: [
            {
              failureType: "FAILED",
              action: "CANCEL",
              thresholdPercentage: 50,
              minNumberOfExecutedThings: minExecuted,
            },
          ],
        },
      }),
    );

  it("cancels the job when an abort criterion is met, and with it the queued executions", async () => {
    const devices = await things("extAbort", 4);
    await createJobCancelledAtHalfFailed("ext-abort", devices, 2);
    for (const thingName of devices.slice(0, 2)) {
      await jobs.send(new UpdateJobExecutionCommand({ thingName, jobId: "ext-abort", status: "FAILED" }));
    }
    const { job } = await iot.send(new DescribeJobCommand({ jobId: "ext-abort" }));
    expect(job).toMatchObject({ status: "CANCELED", reasonCode: "AbortConfig" });
    expect(await statusOf("ext-abort", devices[3] as string)).toBe("CANCELED");
  });

  it("counts only notified things toward minNumberOfExecutedThings (AbortCriteria, API reference)", async () => {
    const devices = await things("extNotified", 4);
    await createJobCancelledAtHalfFailed("ext-notified", devices, 3);
    for (const thingName of devices.slice(0, 2)) {
      await jobs.send(new UpdateJobExecutionCommand({ thingName, jobId: "ext-notified", status: "FAILED" }));
    }
    // Two notified things, both failed: fewer than three were notified, so the job goes on.
    expect((await iot.send(new DescribeJobCommand({ jobId: "ext-notified" }))).job?.status).toBe(
      "IN_PROGRESS",
    );
    // A third device asks for its jobs: notified, and 2 of 3 (67 %) failed.
    await jobs.send(new GetPendingJobExecutionsCommand({ thingName: devices[2] }));
    expect((await iot.send(new DescribeJobCommand({ jobId: "ext-notified" }))).job?.status).toBe("CANCELED");
  });

  it("cancels IN_PROGRESS executions only with force; DeleteJob removes the executions", async () => {
    const devices = await things("extCancel", 2);
    for (const [jobId, force] of [
      ["ext-cancel", false],
      ["ext-force", true],
    ] as const) {
      await iot.send(new CreateJobCommand({ jobId, targets: devices.map(thingArn), document: "{}" }));
      await jobs.send(new UpdateJobExecutionCommand({ thingName: devices[0], jobId, status: "IN_PROGRESS" }));
      await iot.send(new CancelJobCommand({ jobId, force }));
      expect([
        await statusOf(jobId, devices[0] as string),
        await statusOf(jobId, devices[1] as string),
      ]).toEqual([force ? "CANCELED" : "IN_PROGRESS", "CANCELED"]);
    }
    await iot.send(new DeleteJobCommand({ jobId: "ext-force", force: true }));
    await expect(iot.send(new DescribeJobCommand({ jobId: "ext-force" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    await expect(statusOf("ext-force", devices[0] as string)).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("fans a static group target out to the group's things", async () => {
    const devices = await things("extGroup", 3);
    await iot.send(new CreateThingGroupCommand({ thingGroupName: "extGroup" }));
    for (const thingName of devices)
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: "extGroup", thingName }));
    await iot.send(
      new CreateJobCommand({
        jobId: "ext-group",
        targets: [`${ACCOUNT}:thinggroup/extGroup`],
        document: "{}",
      }),
    );
    const { executionSummaries = [] } = await iot.send(
      new ListJobExecutionsForJobCommand({ jobId: "ext-group" }),
    );
    expect(executionSummaries.map((e) => e.thingArn).sort()).toEqual(devices.map(thingArn).sort());
    const { job } = await iot.send(new DescribeJobCommand({ jobId: "ext-group" }));
    expect(job?.jobProcessDetails?.numberOfQueuedThings).toBe(3);
  });
});

describe("streams", () => {
  it("creates, describes, lists and deletes a stream; refuses a file id outside 0-255 and a second stream of the id", async () => {
    const files = [
      { fileId: 7, s3Location: { bucket: "fw-bucket", key: "firmware/1/a.bin", version: "v1" } },
    ];
    const roleArn = "arn:aws:iam::123456789012:role/ota";
    await iot.send(new CreateStreamCommand({ streamId: "ext-stream", files, roleArn }));
    expect((await iot.send(new DescribeStreamCommand({ streamId: "ext-stream" }))).streamInfo).toMatchObject({
      streamId: "ext-stream",
      files,
      roleArn,
    });
    expect((await iot.send(new ListStreamsCommand({}))).streams?.map((s) => s.streamId)).toContain(
      "ext-stream",
    );
    await expect(
      iot.send(new CreateStreamCommand({ streamId: "ext-stream", files, roleArn })),
    ).rejects.toMatchObject({
      name: "ResourceAlreadyExistsException",
    });
    await expect(
      iot.send(
        new CreateStreamCommand({ streamId: "ext-bad", files: [{ ...files[0], fileId: 256 }], roleArn }),
      ),
    ).rejects.toMatchObject({ name: "InvalidRequestException" });
    await iot.send(new DeleteStreamCommand({ streamId: "ext-stream" }));
    await expect(iot.send(new DeleteStreamCommand({ streamId: "ext-stream" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });
});

describe("KMS", () => {
  it("signs a digest as given (MessageType DIGEST): the signature verifies over the message it is the hash of", async () => {
    const kms = new KMSClient({});
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }),
    );
    const message = Buffer.from("firmware bytes");
    const { Signature } = await kms.send(
      new SignCommand({
        KeyId: KeyMetadata?.KeyId,
        Message: createHash("sha256").update(message).digest(),
        MessageType: "DIGEST",
        SigningAlgorithm: "ECDSA_SHA_256",
      }),
    );
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: KeyMetadata?.KeyId }));
    const key = createPublicKey({ key: Buffer.from(PublicKey as Uint8Array), format: "der", type: "spki" });
    expect(verify("sha256", message, key, Buffer.from(Signature as Uint8Array))).toBe(true);
  });
});

describe("S3", () => {
  it("lets exactly one of many conditional writes of one key pass (If-None-Match), as AWS does", async () => {
    const s3 = new S3Client({ forcePathStyle: true });
    const Bucket = "moto-extension-conditional";
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
    const attempts = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket, Key: "claim", Body: `writer ${i}`, IfNoneMatch: "*" })),
      ),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
    const refused = attempts.flatMap((attempt) =>
      attempt.status === "rejected" ? [attempt.reason.name] : [],
    );
    expect(new Set(refused)).toEqual(new Set(["PreconditionFailed"]));
  });
});

describe("DynamoDB", () => {
  it("loses no ADD of one item under concurrent UpdateItems, as DynamoDB applies each atomically", async () => {
    const dynamodb = new DynamoDBClient({});
    const TableName = "moto-extension-counters";
    await dynamodb.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const Key = { id: { S: "one" } };
    await Promise.all(
      Array.from({ length: 50 }, () =>
        dynamodb.send(
          new UpdateItemCommand({
            TableName,
            Key,
            UpdateExpression: "ADD #n :one",
            ExpressionAttributeNames: { "#n": "count" },
            ExpressionAttributeValues: { ":one": { N: "1" } },
          }),
        ),
      ),
    );
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
    expect(Item?.count).toEqual({ N: "50" });
  });
});

describe("CloudWatch alarm actions", () => {
  const cloudWatch = new CloudWatchClient({});
  const alarm = (name: string, topic: string, extra: Partial<PutMetricAlarmCommandInput> = {}) =>
    cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: "IoT:OTA:JobExecution",
        MetricName: "downloadTime",
        Dimensions: [{ Name: "jobId", Value: "job-1" }],
        ExtendedStatistic: "p99",
        Period: 60,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Threshold: 3600,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
        AlarmActions: [topic],
        ...extra,
      }),
    );
  const setState = (AlarmName: string, StateValue: "OK" | "ALARM" | "INSUFFICIENT_DATA") =>
    cloudWatch.send(new SetAlarmStateCommand({ AlarmName, StateValue, StateReason: `test: ${StateValue}` }));

  it("publishes the documented notification to the ALARM actions on a change to ALARM, once per change", async () => {
    const topic = await listenedTopic("moto-ext-alarm-actions");
    await alarm("slow-downloads", topic.arn);
    await setState("slow-downloads", "ALARM");
    const [notification, ...more] = await topic.received();
    expect(more).toEqual([]);
    expect(notification?.Subject).toMatch(/^ALARM: "slow-downloads" in /);
    expect(JSON.parse(notification?.Message as string)).toMatchObject({
      AlarmName: "slow-downloads",
      AlarmArn: expect.stringMatching(/:alarm:slow-downloads$/),
      AWSAccountId: "123456789012",
      NewStateValue: "ALARM",
      OldStateValue: "OK",
      NewStateReason: "test: ALARM",
      StateChangeTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/),
      AlarmActions: [topic.arn],
      Trigger: {
        MetricName: "downloadTime",
        Namespace: "IoT:OTA:JobExecution",
        StatisticType: "ExtendedStatistic",
        ExtendedStatistic: "p99",
        Dimensions: [{ value: "job-1", name: "jobId" }],
        Period: 60,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 3600,
        TreatMissingData: "notBreaching",
      },
    });
    // No state change, no notification; OK has no actions here.
    await setState("slow-downloads", "ALARM");
    await setState("slow-downloads", "OK");
    expect(await topic.received()).toEqual([]);
  });

  it("publishes nothing when the alarm's actions are disabled", async () => {
    const topic = await listenedTopic("moto-ext-alarm-disabled");
    await alarm("muted", topic.arn, {
      ActionsEnabled: false,
      Statistic: "Sum",
      ExtendedStatistic: undefined,
    });
    await setState("muted", "ALARM");
    expect(await topic.received()).toEqual([]);
  });
});
