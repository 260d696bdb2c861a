// OtaDeploy's alarm topics and force stopper (staging): the three topics the original monitor template created,
// named with the stack's prefix and not KMS-encrypted (CloudWatch alarms cannot publish under the AWS-managed SNS
// key); the stack config's e-mail address subscribed; the force stopper subscribed to its topic with an invoke
// permission scoped to that topic, a topic policy only the stack's round alarms may publish under, and an
// on-failure queue (alarmed) for notifications it failed on; the topic ARNs and the alarm prefix handed to the
// handlers that read them; CloudWatch grants that reach only the round alarms, never the stack's own alarms;
// and an alarm on deployments the queue failed.
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { RecordedResource } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";

let synthesis: Synthesis;
beforeAll(async () => {
  synthesis = await synthesize("staging");
});

const BASE = "fleet-staging-ota-deploy";
const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type);
const named = (type: string, name: string) => ofType(type).find((r) => r.name === name) as RecordedResource;
const topicArn = (topic: string) => `arn:aws:sns:eu-west-1:123456789012:${BASE}-${topic}`;
const ROUND_ALARMS = `${BASE}-round-alarm-`;
const variablesOf = (handler: string) =>
  (
    named("aws:lambda/function:Function", `${BASE}-${handler}`).inputs.environment as {
      variables: Record<string, string>;
    }
  ).variables;
const statementsOf = (handler: string) =>
  JSON.parse(String(named("aws:iam/rolePolicy:RolePolicy", `${BASE}-${handler}-policy`).inputs.policy))
    .Statement as { Action: string[]; Resource: string[] }[];

describe("OtaDeploy's alarm topics and force stopper (staging)", () => {
  it("creates email-notification, sms-notification and ota-force-stopper, named with the stack's prefix, without the AWS-managed key CloudWatch cannot publish under", () => {
    for (const topic of ["email-notification", "sms-notification", "ota-force-stopper"]) {
      const created = named("aws:sns/topic:Topic", `${BASE}-${topic}`);
      expect(created.inputs).toEqual({ name: `${BASE}-${topic}` });
    }
    // Declared as the component's own, so the stack checks take them as such.
    expect((synthesis.outputs.otaDeploy as { topics: unknown }).topics).toEqual({
      "email-notification": topicArn("email-notification"),
      "sms-notification": topicArn("sms-notification"),
      "ota-force-stopper": topicArn("ota-force-stopper"),
    });
  });

  it("subscribes the stack config's e-mail address to email-notification, and the force stopper to its topic with an invoke permission scoped to it", () => {
    const subscriptions = ofType("aws:sns/topicSubscription:TopicSubscription").filter((s) =>
      s.name.startsWith(BASE),
    );
    const forceStopper = named("aws:lambda/function:Function", `${BASE}-force-stopper`);
    expect(subscriptions.map((s) => s.inputs)).toEqual(
      expect.arrayContaining([
        {
          topic: topicArn("email-notification"),
          protocol: "email",
          endpoint: "iot-fleet-ota-staging@example.com",
        },
        {
          topic: topicArn("ota-force-stopper"),
          protocol: "lambda",
          endpoint: expect.stringContaining(":function:"),
        },
      ]),
    );
    expect(subscriptions.filter((s) => s.inputs.protocol === "sms")).toEqual([]);
    const lambdaSubscription = subscriptions.find((s) => s.inputs.protocol === "lambda") as RecordedResource;
    expect(lambdaSubscription.inputs.endpoint).toMatch(new RegExp(`:function:${BASE}-force-stopper`));
    // SNS's: the only principal allowed to invoke a function from a topic.
    const permissions = ofType("aws:lambda/permission:Permission").filter(
      (p) => p.inputs.principal === "sns.amazonaws.com",
    );
    expect(permissions.map((p) => p.inputs)).toEqual([
      {
        action: "lambda:InvokeFunction",
        function: expect.stringMatching(new RegExp(`^${BASE}-force-stopper`)),
        principal: "sns.amazonaws.com",
        sourceArn: topicArn("ota-force-stopper"),
      },
    ]);
    expect(forceStopper).toBeDefined();
  });

  it("hands the topic ARNs and the alarm prefix to the handlers that read them", () => {
    expect(variablesOf("deploy-round")).toMatchObject({
      ALARM_NAME_PREFIX: ROUND_ALARMS,
      EMAIL_TOPIC_ARN: topicArn("email-notification"),
      SMS_TOPIC_ARN: topicArn("sms-notification"),
      FORCE_STOP_TOPIC_ARN: topicArn("ota-force-stopper"),
    });
    expect(variablesOf("clean-up").ALARM_NAME_PREFIX).toBe(ROUND_ALARMS);
    expect(variablesOf("force-stopper")).toMatchObject({
      ALARM_NAME_PREFIX: ROUND_ALARMS,
      EMAIL_TOPIC_ARN: topicArn("email-notification"),
      FORCE_STOP_TOPIC_ARN: topicArn("ota-force-stopper"),
      GROUP_NAME_PREFIX: expect.stringMatching(/^fleet-staging-/),
    });
  });

  it("grants CloudWatch alarm actions only on the component's alarms, and the force stopper publishing only to email-notification", () => {
    const cloudWatch = [
      "deploy-round",
      "clean-up",
      "force-stopper",
      "plan-deployment",
      "round-status",
    ].flatMap((handler) =>
      statementsOf(handler)
        .filter((s) => s.Action.some((a) => a.startsWith("cloudwatch:")))
        .map((s) => ({ handler, actions: s.Action, resources: s.Resource })),
    );
    const alarms = [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${ROUND_ALARMS}*`];
    expect(cloudWatch).toEqual([
      {
        handler: "deploy-round",
        actions: ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"],
        resources: alarms,
      },
      {
        handler: "clean-up",
        actions: ["cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"],
        resources: alarms,
      },
      {
        handler: "force-stopper",
        actions: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
        resources: alarms,
      },
    ]);
    expect(statementsOf("force-stopper").filter((s) => s.Action.includes("sns:Publish"))).toEqual([
      expect.objectContaining({
        Resource: [topicArn("email-notification")],
      }),
    ]);
  });

  it("grants no handler a pattern any of the stack's own alarms matches (its failure alarms are Pulumi-named `<base>-<handler>-errors-…`)", () => {
    const stackAlarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map(
      (a) => a.computed.name as string,
    );
    expect(stackAlarms.filter((name) => name.startsWith(`${BASE}-round-status`))).not.toEqual([]);
    expect(stackAlarms.filter((name) => name.startsWith(ROUND_ALARMS))).toEqual([]);
  });

  it("lets only this account's round alarms publish to ota-force-stopper, and denies anyone else's publish, while the account keeps administering it", () => {
    const [policy] = ofType("aws:sns/topicPolicy:TopicPolicy");
    expect(policy?.inputs.arn).toBe(topicArn("ota-force-stopper"));
    const statements = JSON.parse(String(policy?.inputs.policy)).Statement as Record<string, unknown>[];
    const roundAlarms = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${ROUND_ALARMS}*`;
    expect(statements).toEqual([
      expect.objectContaining({
        Sid: "ThisAccountAdministers",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: expect.not.arrayContaining(["sns:Publish"]),
      }),
      {
        Sid: "RoundAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["sns:Publish"],
        Resource: [topicArn("ota-force-stopper")],
        Condition: {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ArnLike: { "aws:SourceArn": roundAlarms },
        },
      },
      {
        Sid: "NobodyElsePublishes",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: ["sns:Publish"],
        Resource: [topicArn("ota-force-stopper")],
        Condition: { ArnNotLike: { "aws:SourceArn": roundAlarms } },
      },
    ]);
    expect(statements[0]?.Action).toEqual(
      expect.arrayContaining(["sns:SetTopicAttributes", "sns:Subscribe"]),
    );
  });

  it("keeps a notification the force stopper failed on after two retries in an encrypted queue it may send to, alarmed to the alert topic", () => {
    const [config] = ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    // The package's own queue (its manifest resource), so the stack checks hold it to the house's rules.
    const queue = named("aws:sqs/queue:Queue", `${BASE}-force-stop-failures`);
    const queueArn = queue.computed.arn as string;
    expect(queueArn).toMatch(new RegExp(`:sqs:eu-west-1:123456789012:${BASE}-force-stop-failures`));
    expect(config?.inputs).toEqual({
      functionName: expect.stringMatching(new RegExp(`^${BASE}-force-stopper`)),
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: queueArn } },
    });
    expect(queue.inputs).toMatchObject({ sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 });
    expect(statementsOf("force-stopper").filter((s) => s.Action.includes("sqs:SendMessage"))).toEqual([
      expect.objectContaining({ Resource: [queueArn] }),
    ]);
    const alarm = named("aws:cloudwatch/metricAlarm:MetricAlarm", `${BASE}-force-stop-failures`);
    expect(alarm.inputs).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queueArn.split(":").pop() },
      statistic: "Maximum",
      alarmActions: [expect.stringContaining(":sns:")],
    });
  });

  it("alarms the alert topic when the deployer fails a queued deployment or skips a malformed queue item", () => {
    for (const [part, metricName] of [
      ["deployments-failed", "DeploymentsFailed"],
      ["queue-items-malformed", "MalformedQueueItems"],
    ]) {
      expect(named("aws:cloudwatch/metricAlarm:MetricAlarm", `${BASE}-${part}`).inputs).toMatchObject({
        namespace: "Fleet/staging",
        metricName,
        dimensions: { service: "deployer" },
        statistic: "Sum",
        threshold: 1,
      });
    }
  });

  it("lets the deployer count the deploy state machine's running executions", () => {
    expect(statementsOf("deployer")).toContainEqual(
      expect.objectContaining({
        Action: ["states:StartExecution", "states:ListExecutions"],
        Resource: [expect.stringMatching(/:stateMachine:fleet-staging-ota-deploy-deploy-[0-9a-f]+$/)],
      }),
    );
  });
});
