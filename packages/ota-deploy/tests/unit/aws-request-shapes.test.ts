// The exact AWS request shapes (IoT API reference: CreateStream, CreateJob, CancelJob, DeleteJob, DeleteStream,
// DeleteThingGroup), at the request level with aws-sdk-client-mock: the emulator's stream support is this
// project's own extension, so the shapes AWS takes are pinned here independently of it; so is the ownership
// rule that clean-up never touches another deployment's job, stream or group.

import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  CancelJobCommand,
  CreateJobCommand,
  CreateStreamCommand,
  DeleteJobCommand,
  DeleteStreamCommand,
  DeleteThingGroupCommand,
  DescribeJobCommand,
  DescribeStreamCommand,
  DescribeThingGroupCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { resourceNotFoundError } from "@fleet/shared-aws/testing";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { cleanUp } from "../../src/core/clean-up";
import { deployRound } from "../../src/core/deploy-round";
import { parseDeploymentConfig } from "../../src/core/deployment-config";
import type { DeploymentPlan } from "../../src/core/plan";
import type { ReleaseRecord } from "../../src/core/release-record";

const iotMock = mockClient(IoTClient);
const s3Mock = mockClient(S3Client);
const cloudWatchMock = mockClient(CloudWatchClient);
afterEach(() => {
  iotMock.reset();
  s3Mock.reset();
  cloudWatchMock.reset();
});
// No alarms left from an earlier run, unless a test says otherwise.
beforeEach(() => {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
});
const iot = new IoTClient({});
const cloudWatch = new CloudWatchClient({});
const ALARM_PREFIX = "fleet-dev-ota-deploy-round-alarm-";
const deps = {
  iot,
  s3: new S3Client({}),
  bucket: "fleet-dev-ota-deploy-firmware-1",
  alarms: { cloudWatch, prefix: ALARM_PREFIX },
};
const TOPICS = {
  "email-notification": "arn:aws:sns:eu-west-1:123456789012:fleet-dev-ota-deploy-email-notification",
  "sms-notification": "",
  "ota-force-stopper": "arn:aws:sns:eu-west-1:123456789012:fleet-dev-ota-deploy-ota-force-stopper",
};
const alarmDeps = { cloudWatch, prefix: ALARM_PREFIX, topics: TOPICS };
const OWNER = "0b5d3a4e-8c1f-4f7a-9e2b-3c4d5e6f7a8b";
const OTHER = "9f8e7d6c-5b4a-4321-8765-0fedcba98765";

const release: ReleaseRecord = {
  version: "1.0.0",
  bucket: "fleet-dev-ota-deploy-firmware-1",
  key: "firmware/1.0.0/fw.bin",
  versionId: "3HL4kqtJlcpXroDTDmJ",
  size: 1024,
  md5: "0".repeat(32),
  sha256: "1".repeat(64),
  fileId: 12,
  signature: null,
  releasedAt: "2026-11-29T00:00:00.000Z",
};
const ROLE = "arn:aws:iam::123456789012:role/fleet/dev/fleet-dev-ota-deploy-iot";
const plan: DeploymentPlan = {
  config: parseDeploymentConfig({
    jobId: "fleet-dev-fw",
    streamId: "fleet-dev-fw-stream",
    release: "1.0.0",
    targets: { things: ["a"] },
    rounds: 2,
    presignedUrl: { roleArn: ROLE, expiresInSec: 600 },
    timeout: { inProgressTimeoutInMinutes: 5 },
  }),
  release,
  streamId: "fleet-dev-fw-stream",
  fileId: 12,
  roleArn: ROLE,
  document: '{"command":"fota"}',
  targets: { kind: "things", arns: ["arn:aws:iot:eu-west-1:123456789012:thing/a"] },
  owner: OWNER,
  owned: { targetGroup: null, targetList: null },
};
const streamFiles = [
  {
    fileId: 12,
    s3Location: { bucket: release.bucket, key: release.key, version: release.versionId as string },
  },
];

const ownRound = (jobId: string) => {
  iotMock.on(DescribeStreamCommand).resolves({
    streamInfo: { description: `Firmware 1.0.0 (ota-deploy ${OWNER})`, files: streamFiles, roleArn: ROLE },
  });
  iotMock.on(DescribeJobCommand).resolves({
    job: {
      jobId,
      jobArn: `arn:aws:iot:eu-west-1:123456789012:job/${jobId}`,
      status: "IN_PROGRESS",
      targets: plan.targets.kind === "things" ? plan.targets.arns : [],
      description: `round (ota-deploy ${OWNER})`,
    },
  });
};
const withAlarms = (alarms: unknown[]): DeploymentPlan => ({
  ...plan,
  config: parseDeploymentConfig({ ...plan.config, alarms }),
});
const DOWNLOAD_TIME_UPPER = {
  name: "DownloadTimeUpperLimitAlarm",
  metricName: "downloadTime",
  stat: "p99",
  period: 60,
  threshold: 3600,
  alarmType: "upper",
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  topics: ["email-notification"],
};
const FAILED_LOWER = {
  name: "Succeeding",
  namespace: "Custom/Fleet",
  metricName: "SUCCEEDEDCount",
  stat: "Sum",
  period: 300,
  threshold: 1,
  alarmType: "lower",
  evaluationPeriods: 2,
  topics: ["ota-force-stopper", "email-notification"],
};

describe("a round's alarms, at the request level (CloudWatch PutMetricAlarm / DescribeAlarms / DeleteAlarms)", () => {
  it("creates every configured alarm on the round's job id with the stack's prefix, tags and topic ARNs", async () => {
    ownRound("fleet-dev-fw-r2");
    const started = await deployRound(
      iot,
      { plan: withAlarms([DOWNLOAD_TIME_UPPER, FAILED_LOWER]), round: 2 },
      alarmDeps,
    );
    const requests = cloudWatchMock.commandCalls(PutMetricAlarmCommand).map((call) => call.args[0].input);
    const name = (alarm: string) => `${ALARM_PREFIX}fleet-dev-fw-r2-${OWNER}-${alarm}`;
    expect(started.alarms).toEqual([name("DownloadTimeUpperLimitAlarm"), name("Succeeding")]);
    const tags = [
      { Key: "ota-deploy:jobId", Value: "fleet-dev-fw-r2" },
      { Key: "ota-deploy:owner", Value: OWNER },
    ];
    expect(requests).toEqual([
      {
        AlarmName: name("DownloadTimeUpperLimitAlarm"),
        AlarmDescription: expect.stringContaining("fleet-dev-fw-r2"),
        Namespace: "IoT:OTA:JobExecution",
        MetricName: "downloadTime",
        Dimensions: [{ Name: "jobId", Value: "fleet-dev-fw-r2" }],
        ExtendedStatistic: "p99",
        Period: 60,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Threshold: 3600,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
        ActionsEnabled: true,
        AlarmActions: [TOPICS["email-notification"]],
        Tags: tags,
      },
      {
        AlarmName: name("Succeeding"),
        AlarmDescription: expect.stringContaining("fleet-dev-fw-r2"),
        Namespace: "Custom/Fleet",
        MetricName: "SUCCEEDEDCount",
        Dimensions: [{ Name: "jobId", Value: "fleet-dev-fw-r2" }],
        Statistic: "Sum",
        Period: 300,
        EvaluationPeriods: 2,
        // M defaults to N: every datapoint of the window breaching.
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: "LessThanThreshold",
        TreatMissingData: "notBreaching",
        ActionsEnabled: true,
        AlarmActions: [TOPICS["ota-force-stopper"], TOPICS["email-notification"]],
        Tags: tags,
      },
    ]);
  });

  it("refuses an alarm naming a topic this stack lacks before the stream, the job or any alarm exists", async () => {
    ownRound("fleet-dev-fw-r1");
    await expect(
      deployRound(
        iot,
        { plan: withAlarms([{ ...DOWNLOAD_TIME_UPPER, topics: ["sms-notification"] }]), round: 1 },
        alarmDeps,
      ),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringContaining(
        "alarms (DownloadTimeUpperLimitAlarm) topics: this stack has no sms-notification topic",
      ),
    });
    expect(iotMock.calls()).toHaveLength(0);
    expect(cloudWatchMock.commandCalls(PutMetricAlarmCommand)).toHaveLength(0);
  });

  it("clean-up deletes the alarms named with the round's job id and its own owner id, and none when none is left", async () => {
    const prefix = `${ALARM_PREFIX}fleet-dev-fw-r1-${OWNER}-`;
    cloudWatchMock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: prefix })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: `${prefix}a` }], NextToken: "t" })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: `${prefix}b` }] })
      .resolves({ MetricAlarms: [] });
    iotMock.on(DescribeJobCommand).rejects(resourceNotFoundError());
    const first = await cleanUp(deps, { owner: OWNER, jobId: "fleet-dev-fw-r1" });
    expect(first.alarms).toEqual([`${prefix}a`, `${prefix}b`]);
    expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand)[1]?.args[0].input).toEqual({
      AlarmNamePrefix: prefix,
      AlarmTypes: ["MetricAlarm"],
      NextToken: "t",
    });
    expect(cloudWatchMock.commandCalls(DeleteAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNames: [`${prefix}a`, `${prefix}b`] },
    ]);
    // Again: nothing left, nothing deleted, no error.
    expect((await cleanUp(deps, { owner: OWNER, jobId: "fleet-dev-fw-r1" })).alarms).toEqual([]);
    expect(cloudWatchMock.commandCalls(DeleteAlarmsCommand)).toHaveLength(1);
  });

  it("clean-up lists again and deletes what is left when DeleteAlarms (all or nothing) finds a name gone meanwhile", async () => {
    const prefix = `${ALARM_PREFIX}fleet-dev-fw-r1-${OWNER}-`;
    cloudWatchMock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: prefix })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: `${prefix}a` }, { AlarmName: `${prefix}b` }] })
      .resolves({ MetricAlarms: [{ AlarmName: `${prefix}b` }] });
    // A concurrent clean-up deleted `a`: AWS refuses the whole batch.
    cloudWatchMock.on(DeleteAlarmsCommand).rejectsOnce(resourceNotFoundError()).resolves({});
    iotMock.on(DescribeJobCommand).rejects(resourceNotFoundError());
    const result = await cleanUp(deps, { owner: OWNER, jobId: "fleet-dev-fw-r1" });
    expect(result.alarms).toEqual([`${prefix}b`]);
    expect(cloudWatchMock.commandCalls(DeleteAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNames: [`${prefix}a`, `${prefix}b`] },
      { AlarmNames: [`${prefix}b`] },
    ]);
  });
});

describe("a round, at the request level (emulator-independent)", () => {
  it("sends CreateStream with one file at the release's object version and the OTA role, then CreateJob with every setting", async () => {
    iotMock.on(DescribeStreamCommand).rejects(resourceNotFoundError());
    iotMock.on(CreateStreamCommand).resolves({ streamId: "fleet-dev-fw-stream" });
    iotMock
      .on(DescribeJobCommand)
      .rejectsOnce(resourceNotFoundError())
      .resolves({
        job: {
          jobId: "fleet-dev-fw-r2",
          jobArn: "arn:job",
          status: "IN_PROGRESS",
          description: `Firmware 1.0.0, round 2 of 2 (ota-deploy ${OWNER})`,
          createdAt: new Date(0),
          targets: plan.targets.kind === "things" ? plan.targets.arns : [],
        },
      });
    iotMock.on(CreateJobCommand).resolves({ jobId: "fleet-dev-fw-r2" });
    const started = await deployRound(iot, { plan, round: 2 }, alarmDeps);
    expect(iotMock.commandCalls(CreateStreamCommand)[0]?.args[0].input).toEqual({
      streamId: "fleet-dev-fw-stream",
      description: `Firmware 1.0.0 (ota-deploy ${OWNER})`,
      files: [
        { fileId: 12, s3Location: { bucket: release.bucket, key: release.key, version: release.versionId } },
      ],
      roleArn: ROLE,
    });
    expect(iotMock.commandCalls(CreateJobCommand)[0]?.args[0].input).toEqual({
      jobId: "fleet-dev-fw-r2",
      targets: ["arn:aws:iot:eu-west-1:123456789012:thing/a"],
      document: '{"command":"fota"}',
      description: `Firmware 1.0.0, round 2 of 2 (ota-deploy ${OWNER})`,
      targetSelection: "SNAPSHOT",
      presignedUrlConfig: { roleArn: ROLE, expiresInSec: 600 },
      timeoutConfig: { inProgressTimeoutInMinutes: 5 },
    });
    // The deadline counts from the job's creation, so a retried step does not extend it.
    expect(started.deadlineAt).toBe(120 * 60_000);
  });

  it("cleans up its own job and stream with CancelJob force, DeleteJob force and DeleteStream; absent resources are not errors", async () => {
    iotMock.on(DescribeJobCommand).resolves({
      job: { jobId: "fleet-dev-fw-r1", status: "IN_PROGRESS", description: `round 1 (ota-deploy ${OWNER})` },
    });
    iotMock.on(DescribeStreamCommand).rejects(resourceNotFoundError());
    const result = await cleanUp(deps, {
      owner: OWNER,
      jobId: "fleet-dev-fw-r1",
      streamId: "fleet-dev-fw-stream",
    });
    expect(result).toEqual({ alarms: [], job: "deleted", cancelled: true, stream: "absent" });
    expect(iotMock.commandCalls(CancelJobCommand)[0]?.args[0].input).toEqual({
      jobId: "fleet-dev-fw-r1",
      force: true,
      comment: "ota-deploy clean-up",
    });
    expect(iotMock.commandCalls(DeleteJobCommand)[0]?.args[0].input).toEqual({
      jobId: "fleet-dev-fw-r1",
      force: true,
    });
    expect(iotMock.commandCalls(DeleteStreamCommand)).toHaveLength(0);
  });

  it("after a conflict, leaves another deployment's job, stream, group and list untouched", async () => {
    iotMock.on(DescribeJobCommand).resolves({
      job: { jobId: "fleet-dev-fw-r1", status: "IN_PROGRESS", description: `round 1 (ota-deploy ${OTHER})` },
    });
    iotMock.on(DescribeStreamCommand).resolves({
      streamInfo: { streamId: "fleet-dev-fw-stream", description: `Firmware 1.0.0 (ota-deploy ${OTHER})` },
    });
    const result = await cleanUp(deps, {
      owner: OWNER,
      jobId: "fleet-dev-fw-r1",
      streamId: "fleet-dev-fw-stream",
      targetGroup: `fleet-dev-fw-${OTHER}`,
      targetList: `deployments/fleet-dev-fw/${OTHER}/targets.txt`,
    });
    expect(result).toEqual({
      alarms: [],
      job: "kept",
      cancelled: false,
      stream: "kept",
      targetGroup: "kept",
    });
    expect(iotMock.commandCalls(CancelJobCommand)).toHaveLength(0);
    expect(iotMock.commandCalls(DeleteJobCommand)).toHaveLength(0);
    expect(iotMock.commandCalls(DeleteStreamCommand)).toHaveLength(0);
    expect(iotMock.commandCalls(DeleteThingGroupCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it("removes its own target group and the target list plan wrote, and keeps a list the caller named", async () => {
    iotMock.on(DescribeThingGroupCommand).resolves({ thingGroupName: `fleet-dev-fw-${OWNER}` });
    const list = `deployments/fleet-dev-fw/${OWNER}/targets.txt`;
    expect(
      await cleanUp(deps, { owner: OWNER, targetGroup: `fleet-dev-fw-${OWNER}`, targetList: list }),
    ).toEqual({ targetGroup: "deleted", targetList: "deleted" });
    expect(iotMock.commandCalls(DeleteThingGroupCommand)[0]?.args[0].input).toEqual({
      thingGroupName: `fleet-dev-fw-${OWNER}`,
    });
    expect(s3Mock.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: deps.bucket,
      Key: list,
    });
    s3Mock.reset();
    await cleanUp(deps, { owner: OWNER, targetList: "lists/mine.txt" });
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it("carries on with its own job that finished before a re-run found it, and refuses one being deleted", async () => {
    iotMock.on(DescribeStreamCommand).resolves({
      streamInfo: { description: `Firmware 1.0.0 (ota-deploy ${OWNER})`, files: streamFiles, roleArn: ROLE },
    });
    const ownJob = (status: "COMPLETED" | "DELETION_IN_PROGRESS") => ({
      job: {
        jobId: "fleet-dev-fw-r1",
        jobArn: "arn:job",
        status,
        targets: plan.targets.kind === "things" ? plan.targets.arns : [],
        description: `round 1 (ota-deploy ${OWNER})`,
      },
    });
    // The devices may finish a small round between the first attempt's CreateJob and its retry.
    iotMock.on(DescribeJobCommand).resolves(ownJob("COMPLETED"));
    await expect(deployRound(iot, { plan, round: 1 }, alarmDeps)).resolves.toMatchObject({ job: "existed" });
    iotMock.on(DescribeJobCommand).resolves(ownJob("DELETION_IN_PROGRESS"));
    await expect(deployRound(iot, { plan, round: 1 }, alarmDeps)).rejects.toMatchObject({
      name: "ConflictError",
      message: expect.stringContaining("is being deleted"),
    });
    expect(iotMock.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it("refuses a stream or a job of its ids that another deployment created, even with the same files", async () => {
    iotMock.on(DescribeStreamCommand).resolves({
      streamInfo: { description: `Firmware 1.0.0 (ota-deploy ${OTHER})`, files: streamFiles, roleArn: ROLE },
    });
    await expect(deployRound(iot, { plan, round: 1 }, alarmDeps)).rejects.toMatchObject({
      name: "ConflictError",
      message: expect.stringContaining("belongs to another deployment"),
    });
    iotMock.on(DescribeStreamCommand).resolves({
      streamInfo: { description: `Firmware 1.0.0 (ota-deploy ${OWNER})`, files: streamFiles, roleArn: ROLE },
    });
    iotMock.on(DescribeJobCommand).resolves({
      job: {
        jobId: "fleet-dev-fw-r1",
        status: "IN_PROGRESS",
        targets: plan.targets.kind === "things" ? plan.targets.arns : [],
        description: `round 1 (ota-deploy ${OTHER})`,
      },
    });
    await expect(deployRound(iot, { plan, round: 1 }, alarmDeps)).rejects.toMatchObject({
      name: "ConflictError",
      message: expect.stringContaining("job fleet-dev-fw-r1 exists and belongs to another deployment"),
    });
    expect(iotMock.commandCalls(CreateStreamCommand)).toHaveLength(0);
    expect(iotMock.commandCalls(CreateJobCommand)).toHaveLength(0);
  });
});
