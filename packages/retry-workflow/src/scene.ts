// This package's demo scene, the seed-002 walkthrough, against the local AWS emulator through the real handlers
// and the real escalation state machine (its waits shortened): a device fails 10 times and is moved out, cools
// down and is restored, fails 10 more times and is quarantined, a human is told (the notification as an SQS
// subscriber received it), an operator releases it. Every figure is read back from the tables, the registry and
// the queue, not taken from the options.
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateThingCommand,
  DescribeThingCommand,
  IoTClient,
  ListThingGroupsForThingCommand,
} from "@aws-sdk/client-iot";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { Scene, Stage } from "@fleet/manifest";
import { awsClient, THING_NAME } from "@fleet/shared-aws";
import type { EscalationInput } from "./core/escalation";
import type { BatchResult } from "./core/record-batch";
import { parseRecord } from "./core/records";
import { manifest } from "./index";

type Options = { device: string };

/** More failures than any RETRY_LIMIT allows without a claim: the loop stops at the claim. */
const MAX_FAILURES = 1000;

const sqs = () => awsClient(SQSClient);
const iot = () => awsClient(IoTClient);

/** A queue subscribed to the topic, as an operator's address would be: it shows what the topic delivered. */
async function listenTo(topicArn: string): Promise<string> {
  const { QueueUrl } = await sqs().send(
    new CreateQueueCommand({ QueueName: `${topicArn.split(":").pop()}-listener` }),
  );
  const { Attributes } = await sqs().send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  await awsClient(SNSClient).send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: Attributes?.QueueArn,
      Attributes: { RawMessageDelivery: "true" },
    }),
  );
  return QueueUrl as string;
}

async function drain(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs().send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return bodies;
    for (const { Body = "", ReceiptHandle } of Messages) {
      bodies.push(Body);
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle }));
    }
  }
}

const attributesOf = async (thingName: string) =>
  (await iot().send(new DescribeThingCommand({ thingName }))).attributes ?? {};
const groupsOf = async (thingName: string) =>
  ((await iot().send(new ListThingGroupsForThingCommand({ thingName }))).thingGroups ?? []).map(
    (group) => group.groupName,
  );
const show = (attributes: Record<string, string>) =>
  Object.entries(attributes)
    .map(([name, value]) => `${name}=${value}`)
    .join(", ");

async function recordOf(stage: Stage, deviceId: string) {
  const { Item } = await awsClient(DynamoDBClient).send(
    new GetItemCommand({
      TableName: stage.env.RETRIES_TABLE,
      Key: { deviceId: { S: deviceId } },
      ConsistentRead: true,
    }),
  );
  return parseRecord(Item);
}

/**
 * Failures of the device as the rule delivers them (the seed's payload, one message a batch) until one claims an
 * escalation; answers its execution's name and how many failures it took.
 */
async function failUntilEscalated(
  stage: Stage,
  device: string,
): Promise<{ execution?: string; failures: number }> {
  // Each failure its own millisecond (its key), as a device's clock would give them.
  const start = Date.now();
  for (let i = 1; i <= MAX_FAILURES; i++) {
    const message = {
      _id_: device,
      timestamp: String(start + i),
      status: "failed",
      model: "wo:v8",
      FW: "2.27",
    };
    const result = await stage.invoke<BatchResult>("record-outcome", {
      Records: [{ messageId: `demo-${Date.now()}-${i}`, body: JSON.stringify(message) }],
    });
    if (result.escalations[0]) return { execution: result.escalations[0], failures: i };
  }
  return { failures: MAX_FAILURES };
}

async function startedInput(stage: Stage, name: string): Promise<EscalationInput> {
  const machine = stage.env.ESCALATION_ARN as string;
  const executionArn = `${machine.replace(":stateMachine:", ":execution:")}:${name}`;
  const { input } = await awsClient(SFNClient).send(new DescribeExecutionCommand({ executionArn }));
  return JSON.parse(input ?? "{}") as EscalationInput;
}

const scene: Scene<Options> = {
  manifest,
  title: "a failing device cycled out, restored, quarantined, its human told, released",
  options: {
    device: { description: "the failing device's thing name (the seed's sample device)", default: "3hwC2y7" },
  },
  optionProblems: ({ device }) =>
    THING_NAME.test(device) ? [] : [`--device must be a thing name, got ${device}`],

  async play(stage, { device }) {
    const original = { FW: "2.27", model: "wo:v8", site: "plant-7" };
    stage.step(
      `Registering ${device} (${show(original)}) and subscribing a queue to the notifications topic`,
    );
    await iot().send(
      new CreateThingCommand({ thingName: device, attributePayload: { attributes: original } }),
    );
    const listener = await listenTo(stage.env.NOTIFICATIONS_TOPIC_ARN as string);
    await drain(listener);
    stage.limitation(
      "the emulator runs no IoT rule: each failure is delivered to record-outcome as the rule's SQS queue would",
    );

    stage.step("Failures (record-outcome) until one claims cycle 1 (RETRY_LIMIT, 10 by default)");
    const before = (await recordOf(stage, device))?.totalFailures ?? 0;
    const { result: first } = await stage.measure(
      "first cycle's failures",
      () => failUntilEscalated(stage, device),
      async () => ((await recordOf(stage, device))?.totalFailures ?? 0) - before,
    );
    stage.check(
      "cycle 1 claimed: its escalation started",
      first.execution !== undefined,
      `${first.failures} failures`,
    );
    if (!first.execution) return;
    const cycleOne = await startedInput(stage, first.execution);
    stage.info(`execution ${first.execution}: ${JSON.stringify(cycleOne)}`);

    stage.step("The escalation, cycle 1: moved out, cool-down (shortened), restored");
    let duringCoolDown: Record<string, string> = {};
    await stage.runStateMachine("escalation", cycleOne, {
      substitutes: {
        // The registry as the device sees it while cooling down, just before the restore.
        "restore-attributes": async (payload) => {
          duringCoolDown = await attributesOf(device);
          return stage.invoke("restore-attributes", payload);
        },
      },
    });
    stage.info(`during the cool-down: ${show(duringCoolDown)}`);
    stage.check(
      "moved out of the dynamic group during the cool-down",
      duringCoolDown.FW === "moveOut" &&
        duringCoolDown.model === "moveOut" &&
        duringCoolDown.site === "plant-7",
      show(duringCoolDown),
    );
    const restored = await attributesOf(device);
    stage.check(
      "restored after it, every other attribute untouched",
      show(restored) === show(original),
      show(restored),
    );

    stage.step("More failures until one claims cycle 2");
    const second = await failUntilEscalated(stage, device);
    stage.check(
      "cycle 2 claimed: its escalation started",
      second.execution !== undefined,
      `${second.failures} failures`,
    );
    if (!second.execution) return;

    stage.step("The escalation, cycle 2: marked failed, wait (shortened), quarantined, notified");
    await stage.runStateMachine("escalation", await startedInput(stage, second.execution));
    const marked = await attributesOf(device);
    const groups = await groupsOf(device);
    stage.check(
      "marked failed",
      marked.FW === "failedtoupdate" && marked.model === "failedtoupdate",
      show(marked),
    );
    stage.check("in the quarantine group", groups.length === 1, groups.join(", ") || "no group");
    const notices = await drain(listener);
    stage.check("one notification delivered", notices.length === 1, `${notices.length} received`);
    for (const line of (notices[0] ?? "").split("\n").slice(0, 6)) stage.info(`  │ ${line}`);

    stage.step("Operator: list-quarantined, then release");
    const listed = await stage.invoke<{ devices: { deviceId: string }[] }>("list-quarantined", {});
    stage.check(
      "listed as quarantined",
      listed.devices.some((d) => d.deviceId === device),
      `${listed.devices.length} listed`,
    );
    await stage.invoke("release", { deviceId: device, reason: "demo: firmware fixed by hand" });
    const released = await attributesOf(device);
    const record = await recordOf(stage, device);
    stage.check("released: attributes restored", show(released) === show(original), show(released));
    stage.check("released: out of the group", (await groupsOf(device)).length === 0, "no group");
    stage.check(
      "released: counters and cycle reset, history kept",
      record?.phase === "counting" && record.cycle === 0 && record.retryCounter === 0,
      `${record?.phase}, cycle ${record?.cycle}, ${record?.history.length} history entries`,
    );
    stage.figure("failures recorded", (record?.totalFailures ?? 0) - before);
    stage.figure("failures to cycle 1", first.failures);
    stage.figure("failures to cycle 2", second.failures);
    stage.figure("notifications delivered", notices.length);
    stage.figure("history entries", record?.history.length ?? 0);
  },
};

/** The package's scenes, in the order `./run demo` plays them. */
export const scenes = [scene];
