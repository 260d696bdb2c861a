// OtaDeploy's alarm topics and force stopper (staging): the three topics the original monitor template created,
// named with the stack's prefix and not KMS-encrypted (CloudWatch alarms cannot publish under the AWS-managed SNS
// key); the stack config's e-mail address subscribed; the force stopper subscribed to its topic with an invoke
// permission scoped to that topic; the topic ARNs and the alarm prefix handed to the handlers that read them; and
// CloudWatch grants that reach only the component's round alarms.
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
      ALARM_NAME_PREFIX: `${BASE}-`,
      EMAIL_TOPIC_ARN: topicArn("email-notification"),
      SMS_TOPIC_ARN: topicArn("sms-notification"),
      FORCE_STOP_TOPIC_ARN: topicArn("ota-force-stopper"),
    });
    expect(variablesOf("clean-up").ALARM_NAME_PREFIX).toBe(`${BASE}-`);
    expect(variablesOf("force-stopper")).toMatchObject({
      ALARM_NAME_PREFIX: `${BASE}-`,
      EMAIL_TOPIC_ARN: topicArn("email-notification"),
      GROUP_NAME_PREFIX: expect.stringMatching(/^fleet-staging-/),
    });
    expect(variablesOf("force-stopper").FORCE_STOP_TOPIC_ARN).toBeUndefined();
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
    const alarms = [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${BASE}-*`];
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
});
