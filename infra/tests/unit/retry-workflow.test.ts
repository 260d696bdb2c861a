// The RetryWorkflow component in the dev stack, beyond what the stack checks assert for every package: the IoT
// rules selecting the seed's payload and AWS's job-execution events into the outcomes queue, their error action
// keeping what they could not deliver in the dead-letter queue, a rule role that may only send there, the
// event source mapping reporting failed messages one by one, the e-mail subscription, the dead-letter alarm, the
// flow's settings reaching the handlers; and the component refusing a bad e-mail or failure source up front.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { RetryWorkflow } from "../../src/components/retry-workflow";
import type { RecordedResource } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";

let synthesis: Synthesis;
const PREFIX = "fleet-dev-retry-workflow";

const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type);
const named = (type: string, name: string): RecordedResource => {
  const found = synthesis.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const queue = (name: string) => named("aws:sqs/queue:Queue", `${PREFIX}-${name}`).computed;

beforeAll(async () => {
  synthesis = await synthesize("dev");
}, 120_000);

describe("RetryWorkflow in the dev stack", () => {
  it("selects the devices' failures and successes (the one source on by default) into the outcomes queue, errors into the dead-letter queue", () => {
    // The stack holds other packages' rules too (telemetry): this component's are named after it.
    const rules = ofType("aws:iot/topicRule:TopicRule").filter((r) =>
      String(r.inputs.name).startsWith("fleet_dev_retry_workflow_"),
    );
    // One attempt reported both ways would count twice: the job-execution rule is off unless a stack turns it on.
    expect(rules.map((r) => r.inputs.name).sort()).toEqual(["fleet_dev_retry_workflow_device_data"]);
    const role = named("aws:iam/role:Role", `${PREFIX}-rules-role`);
    const deviceData = rules.find(
      (r) => r.inputs.name === "fleet_dev_retry_workflow_device_data",
    ) as RecordedResource;
    expect(deviceData.inputs).toMatchObject({
      // The seed's fields by name, stamped with the rule's source (a device cannot pass as another source).
      sql: "SELECT _id_, timestamp, status, model, FW, 'device-data' AS ruleSource FROM 'iot/device/data' WHERE status = 'failed' OR status = 'succeeded'",
      sqlVersion: "2016-03-23",
      enabled: true,
      sqs: [{ queueUrl: queue("outcomes").url, roleArn: role.computed.arn, useBase64: false }],
      errorAction: {
        sqs: { queueUrl: queue("dead-letters").url, roleArn: role.computed.arn, useBase64: false },
      },
    });
  });

  it("gives the rules a role trusted by IoT of this account that may only send to the two queues", () => {
    const role = named("aws:iam/role:Role", `${PREFIX}-rules-role`);
    const trust = JSON.parse(role.inputs.assumeRolePolicy as string);
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "iot.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ArnLike: { "aws:SourceArn": "arn:aws:iot:eu-west-1:123456789012:rule/fleet_dev_retry_workflow_*" },
        },
      }),
    ]);
    const policy = JSON.parse(
      named("aws:iam/rolePolicy:RolePolicy", `${PREFIX}-rules-policy`).inputs.policy as string,
    );
    expect(policy.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [queue("outcomes").arn, queue("dead-letters").arn],
      },
    ]);
  });

  it("feeds record-outcome from the outcomes queue in batches, a failed message alone delivered again", () => {
    const mapping = named("aws:lambda/eventSourceMapping:EventSourceMapping", `${PREFIX}-outcomes`);
    const recordOutcome = named("aws:lambda/function:Function", `${PREFIX}-record-outcome`);
    expect(mapping.inputs).toMatchObject({
      eventSourceArn: queue("outcomes").arn,
      functionName: recordOutcome.computed.arn,
      batchSize: 10,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: 10 },
    });
    // AWS advises a visibility timeout of at least six times the consuming function's timeout.
    const outcomesQueue = named("aws:sqs/queue:Queue", `${PREFIX}-outcomes`);
    expect(outcomesQueue.inputs.visibilityTimeoutSeconds).toBe(150);
    expect(outcomesQueue.inputs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      6 * (recordOutcome.inputs.timeout as number),
    );
    // The dead-letter queue keeps SQS's default.
    expect(
      named("aws:sqs/queue:Queue", `${PREFIX}-dead-letters`).inputs.visibilityTimeoutSeconds,
    ).toBeUndefined();
    // The outcomes queue hands a message to the dead-letter queue after 5 receives.
    const outcomes = named("aws:sqs/queue:Queue", `${PREFIX}-outcomes`);
    expect(JSON.parse(outcomes.inputs.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: queue("dead-letters").arn,
      maxReceiveCount: 5,
    });
  });

  it("subscribes the configured e-mail to the standard notifications topic and alarms on dead letters", () => {
    const topic = named("aws:sns/topic:Topic", `${PREFIX}-notifications`);
    expect(topic.inputs.fifoTopic).toBeUndefined();
    expect(
      named("aws:sns/topicSubscription:TopicSubscription", `${PREFIX}-notify-email`).inputs,
    ).toMatchObject({
      topic: topic.computed.arn,
      protocol: "email",
      endpoint: "iot-fleet-retries-dev@example.com",
    });
    const alarm = named("aws:cloudwatch/metricAlarm:MetricAlarm", `${PREFIX}-dead-letters`);
    expect(alarm.inputs).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queue("dead-letters").name },
      threshold: 1,
    });
    expect((alarm.inputs.alarmActions as string[]).length).toBe(1);
  });

  it("leaves tables deletable where the stack does not protect its resources (dev)", () => {
    for (const table of ofType("aws:dynamodb/table:Table").filter((t) => t.name.startsWith(PREFIX))) {
      expect(table.inputs.deletionProtectionEnabled).toBeUndefined();
      expect(table.options).toEqual({ protect: false, retainOnDelete: false });
    }
  });

  it("passes the flow's settings to the handlers that read them", () => {
    const env = (handler: string) =>
      (
        named("aws:lambda/function:Function", `${PREFIX}-${handler}`).inputs.environment as {
          variables: Record<string, string>;
        }
      ).variables;
    expect(env("record-outcome")).toMatchObject({
      RETRY_LIMIT: "10",
      COOL_DOWN_SECONDS: "86400",
      QUARANTINE_WAIT_SECONDS: "900",
      FAILURE_SOURCES: "device-data",
    });
    expect(env("move-attributes")).toMatchObject({
      MOVE_OUT_VALUE: "moveOut",
      FAILED_VALUE: "failedtoupdate",
    });
    expect(env("quarantine")).toMatchObject({
      QUARANTINE_GROUP: "fleet-dev-FailedToUpdate",
      GROUP_NAME_PREFIX: "fleet-dev-",
    });
  });

  it("refuses a bad e-mail address, an unknown failure source or a bad job id prefix", () => {
    const args = {
      repoRoot: "/nowhere",
      logRetentionDays: 7,
      namePrefix: "fleet-dev-",
      iot: { thingNamePrefix: "fleet-test-dev-", groupNamePrefix: "fleet-dev-" },
      testFleetTools: true,
      rates: {},
    };
    expect(
      () => new RetryWorkflow("bad-email", { ...args, settings: {}, component: { notifyEmail: "nobody" } }),
    ).toThrow(/notifyEmail "nobody" is not an e-mail address/);
    expect(
      () =>
        new RetryWorkflow("bad-source", {
          ...args,
          settings: { FAILURE_SOURCES: "device-data,shadow" },
          component: { notifyEmail: "a@example.com" },
        }),
    ).toThrow(/unknown FAILURE_SOURCES shadow/);
    expect(
      () =>
        new RetryWorkflow("bad-prefix", {
          ...args,
          settings: { FAILURE_SOURCES: "job-executions", JOB_ID_PREFIX: "x') OR (1 = 1" },
          component: { notifyEmail: "a@example.com" },
        }),
    ).toThrow(/JOB_ID_PREFIX .* is not a job id prefix/);
  });
});
