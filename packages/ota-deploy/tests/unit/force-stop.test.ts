// The force stopper at the request level (aws-sdk-client-mock): the exact CancelJob AWS takes (IoT API reference:
// jobId, force, reasonCode [A-Z0-9_]+, comment of at most 2028 characters), ResourceNotFoundException from
// ListTagsForResource on a deleted alarm (AWS's answer, which the emulator does not give), a job that ends
// between DescribeJob and CancelJob, and the refusals that keep every other job untouched.

import { readFileSync } from "node:fs";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-cloudwatch";
import { CancelJobCommand, DescribeJobCommand, IoTClient, type Job } from "@aws-sdk/client-iot";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { awsError, resourceNotFoundError } from "@fleet/shared-aws/testing";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { forceStop, readNotification } from "../../src/core/force-stop";

const cloudWatchMock = mockClient(CloudWatchClient);
const iotMock = mockClient(IoTClient);
const snsMock = mockClient(SNSClient);
afterEach(() => {
  cloudWatchMock.reset();
  iotMock.reset();
  snsMock.reset();
});

// The sample event of events/: an alarm of round 1 of job fleet-dev-fw100 going to ALARM.
const sample = JSON.parse(readFileSync(new URL("../../events/force-stopper.json", import.meta.url), "utf8"));
const MESSAGE: string = sample.Records[0].Sns.Message;
const notification = JSON.parse(MESSAGE);
const OWNER = "0b5d3a4e-8c1f-4f7a-9e2b-3c4d5e6f7a8b";
const JOB = "fleet-dev-fw100-r1";
const EMAIL = "arn:aws:sns:eu-west-1:123456789012:fleet-dev-ota-deploy-email-notification";
const FORCE_STOP_TOPIC: string = sample.Records[0].Sns.TopicArn;
const RECORD = { message: MESSAGE, topicArn: FORCE_STOP_TOPIC };
/** The sample record with another message. */
const withMessage = (message: string) => ({ ...RECORD, message });
/** The notification's alarm as CloudWatch describes it: its actions and its state now. */
const alarmAs = (actions: string[], state: "ALARM" | "OK") =>
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: notification.AlarmName,
        AlarmArn: notification.AlarmArn,
        Dimensions: [{ Name: "jobId", Value: JOB }],
        AlarmActions: actions,
        StateValue: state,
      },
    ],
  });
const deps = {
  cloudWatch: new CloudWatchClient({}),
  iot: new IoTClient({}),
  sns: new SNSClient({}),
  alarmPrefix: "fleet-dev-ota-deploy-round-alarm-",
  groupPrefix: "fleet-dev-",
  emailTopicArn: EMAIL,
  forceStopTopicArn: FORCE_STOP_TOPIC,
};
const runningJob: Job = {
  jobId: JOB,
  status: "IN_PROGRESS",
  description: `Firmware 1.0.0, round 1 of 3 (ota-deploy ${OWNER})`,
};

beforeEach(() => {
  alarmAs([FORCE_STOP_TOPIC, EMAIL], "ALARM");
  cloudWatchMock.on(ListTagsForResourceCommand).resolves({
    Tags: [
      { Key: "ota-deploy:jobId", Value: JOB },
      { Key: "ota-deploy:owner", Value: OWNER },
    ],
  });
  iotMock.on(DescribeJobCommand).resolves({ job: runningJob });
});

describe("the force stopper, at the request level", () => {
  it("reads the sample event's message as a CloudWatch alarm notification", () => {
    expect(readNotification(MESSAGE)).toMatchObject({
      NewStateValue: "ALARM",
      Trigger: { MetricName: "FAILEDCount" },
    });
  });

  it("sends CancelJob with force, the reason code and a comment naming the alarm, then publishes the report", async () => {
    expect(await forceStop(deps, RECORD)).toEqual({
      outcome: "stopped",
      alarm: notification.AlarmName,
      jobId: JOB,
      notified: true,
    });
    expect(cloudWatchMock.commandCalls(ListTagsForResourceCommand)[0]?.args[0].input).toEqual({
      ResourceARN: notification.AlarmArn,
    });
    const cancel = iotMock.commandCalls(CancelJobCommand)[0]?.args[0].input;
    expect(cancel).toEqual({
      jobId: JOB,
      force: true,
      reasonCode: "FORCE_STOPPED_BY_ALARM",
      comment: `Force-stopped by alarm ${notification.AlarmName}: ${notification.NewStateReason}`,
    });
    expect(cancel?.reasonCode).toMatch(/^[\p{Lu}\p{N}_]{1,128}$/u);
    const published = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published).toMatchObject({ TopicArn: EMAIL, Subject: `ota-deploy force-stopped job ${JOB}` });
    expect(published?.Message).toContain("Threshold: GreaterThanThreshold 10 in 1 of 1 datapoints");
  });

  it("keeps the comment within 2028 characters and free of control characters", async () => {
    const long = JSON.stringify({ ...notification, NewStateReason: `a\nb${"x".repeat(3000)}` });
    await forceStop(deps, withMessage(long));
    const comment = iotMock.commandCalls(CancelJobCommand)[0]?.args[0].input.comment as string;
    expect(comment).toHaveLength(2028);
    expect(comment).toMatch(/^[^\p{C}]+$/u);
  });

  it("reports a job that ended between DescribeJob and CancelJob, or is gone, without an error or an e-mail", async () => {
    iotMock.on(CancelJobCommand).rejects(awsError("InvalidStateTransitionException", 409));
    expect(await forceStop(deps, RECORD)).toMatchObject({ outcome: "already-ended", status: "ENDED" });
    iotMock.on(DescribeJobCommand).rejects(resourceNotFoundError());
    expect(await forceStop(deps, RECORD)).toMatchObject({ outcome: "already-ended", status: "DELETED" });
    iotMock.on(DescribeJobCommand).resolves({ job: { ...runningJob, status: "COMPLETED" } });
    expect(await forceStop(deps, RECORD)).toMatchObject({ outcome: "already-ended", status: "COMPLETED" });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it("leaves a deleted alarm (ListTagsForResource: ResourceNotFoundException) as stale; refuses a job outside GROUP_NAME_PREFIX and another deployment's job", async () => {
    cloudWatchMock.on(ListTagsForResourceCommand).rejects(resourceNotFoundError());
    expect(await forceStop(deps, RECORD)).toMatchObject({
      outcome: "stale",
      reason: "the alarm no longer exists (its round was cleaned up)",
    });
    cloudWatchMock.on(ListTagsForResourceCommand).resolves({
      Tags: [
        { Key: "ota-deploy:jobId", Value: JOB },
        { Key: "ota-deploy:owner", Value: OWNER },
      ],
    });
    expect(await forceStop({ ...deps, groupPrefix: "fleet-prod-" }, RECORD)).toMatchObject({
      outcome: "refused",
      reason: `job ${JOB} is not one of this stack's (GROUP_NAME_PREFIX fleet-prod-)`,
    });
    iotMock.on(DescribeJobCommand).resolves({ job: { ...runningJob, description: "someone else's job" } });
    expect(await forceStop(deps, RECORD)).toMatchObject({
      outcome: "refused",
      reason: `job ${JOB} is not the job of the alarm's deployment ${OWNER}`,
    });
    expect(iotMock.commandCalls(CancelJobCommand)).toHaveLength(0);
  });

  it("stops without telling anyone on a stack without an e-mail topic", async () => {
    expect(await forceStop({ ...deps, emailTopicArn: "" }, RECORD)).toMatchObject({
      outcome: "stopped",
      notified: false,
    });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it("refuses a message published by hand for an alarm that only e-mails, or that did not come from the force-stop topic, touching no job", async () => {
    alarmAs([EMAIL], "ALARM");
    expect(await forceStop(deps, RECORD)).toMatchObject({
      outcome: "refused",
      reason: "its actions do not name the ota-force-stopper topic (it was not meant to stop its job)",
    });
    const elsewhere = { ...RECORD, topicArn: EMAIL };
    expect(await forceStop(deps, elsewhere)).toMatchObject({
      outcome: "refused",
      reason: `it did not come from the ota-force-stopper topic (${FORCE_STOP_TOPIC})`,
    });
    expect(await forceStop(deps, { message: MESSAGE })).toMatchObject({ outcome: "refused" });
    expect(iotMock.commandCalls(CancelJobCommand)).toHaveLength(0);
  });

  it("an alarm whose message says ALARM but which is OK now is stale: no job touched", async () => {
    alarmAs([FORCE_STOP_TOPIC], "OK");
    expect(await forceStop(deps, RECORD)).toEqual({
      outcome: "stale",
      alarm: notification.AlarmName,
      reason: "the alarm is OK now, no longer in ALARM",
    });
    expect(iotMock.commandCalls(CancelJobCommand)).toHaveLength(0);
  });

  it("counts a stop before reporting it, so a report that fails (and is retried) loses no count", async () => {
    snsMock.on(PublishCommand).rejects(awsError("InternalError", 500));
    const stopped: string[] = [];
    await expect(forceStop({ ...deps, onStopped: (job) => stopped.push(job) }, RECORD)).rejects.toThrow();
    expect(stopped).toEqual([JOB]);
  });

  it("a message that is no CloudWatch notification is malformed, one of a transition to OK ignored", async () => {
    expect(await forceStop(deps, withMessage("not json"))).toEqual({
      outcome: "malformed",
      reason: "the message is not JSON",
    });
    expect(
      await forceStop(deps, withMessage(JSON.stringify({ ...notification, NewStateValue: "OK" }))),
    ).toMatchObject({
      outcome: "ignored",
    });
  });
});
