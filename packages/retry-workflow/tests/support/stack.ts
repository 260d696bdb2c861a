// The package's resources in the local emulator, named for one test file, and its real handlers invoked as
// Lambda would: what infra creates, with the variables infra sets.
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateThingCommand, IoTClient } from "@aws-sdk/client-iot";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { awsClient } from "@fleet/shared-aws";
import { handlerInvoker } from "@fleet/shared-aws/testing";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import type { HandlerName } from "../../src/config";
import type { EscalationInput } from "../../src/core/escalation";
import definition from "../../src/escalation.asl.json" with { type: "json" };
import { manifest } from "../../src/index";

export interface TestStack {
  env: Record<string, string>;
  /** The queue subscribed to the notifications topic, as an operator's address would be. */
  listener: string;
}

export async function createStack(settings: Record<string, string> = {}): Promise<TestStack> {
  const id = randomUUID().slice(0, 8);
  const dynamodb = awsClient(DynamoDBClient);
  for (const table of [`retries-${id}`, `backups-${id}`]) {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "deviceId", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "deviceId", AttributeType: "S" }],
      }),
    );
  }
  const { TopicArn } = await awsClient(SNSClient).send(
    new CreateTopicCommand({ Name: `notifications-${id}` }),
  );
  const sqs = awsClient(SQSClient);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `listener-${id}` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  await awsClient(SNSClient).send(
    new SubscribeCommand({
      TopicArn,
      Protocol: "sqs",
      Endpoint: Attributes?.QueueArn,
      Attributes: { RawMessageDelivery: "true" },
    }),
  );
  const { stateMachineArn } = await awsClient(SFNClient).send(
    new CreateStateMachineCommand({
      name: `escalation-${id}`,
      definition: JSON.stringify(definition),
      roleArn: "arn:aws:iam::123456789012:role/escalation",
    }),
  );
  const env = {
    RETRIES_TABLE: `retries-${id}`,
    BACKUP_TABLE: `backups-${id}`,
    ESCALATION_ARN: stateMachineArn as string,
    NOTIFICATIONS_TOPIC_ARN: TopicArn as string,
    QUARANTINE_GROUP: `FailedToUpdate-${id}`,
    HISTORY_LIMIT: "100",
    ...settings,
  };
  Object.assign(process.env, env);
  return { env, listener: QueueUrl as string };
}

const invokeHandler = handlerInvoker(manifest, findRepoRoot(import.meta.dirname));

export const invoke = <R = Record<string, unknown>>(name: HandlerName, event: unknown): Promise<R> =>
  invokeHandler<R>(name, event);

let messageNumber = 0;
/** An SQS batch as the event source mapping delivers it, one record per rule message. */
export const batch = (...messages: unknown[]) => ({
  Records: messages.map((message) => ({
    messageId: `m-${++messageNumber}`,
    body: typeof message === "string" ? message : JSON.stringify(message),
  })),
});

let timestamp = 1_711_320_208_793;
/** The seed's payload for a device, each with its own timestamp. */
export const failure = (deviceId: string, status = "failed") => ({
  _id_: deviceId,
  timestamp: String(++timestamp),
  status,
  model: "wo:v8",
  FW: "2.27",
});

export async function createDevice(name: string, attributes: Record<string, string>): Promise<void> {
  await awsClient(IoTClient).send(
    new CreateThingCommand({ thingName: name, attributePayload: { attributes } }),
  );
}

/** The escalations started, by execution name, with their inputs. */
export async function executions(stateMachineArn: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsClient(SFNClient).send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }),
    );
    names.push(...(page.executions ?? []).map((e) => e.name as string));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/** Runs the real escalation definition locally (waits shortened), each task calling the real handler. */
export const runEscalation = (input: EscalationInput) =>
  runStateMachineLocally(definition, input, (handler, payload) => invoke(handler as HandlerName, payload));

/** Every message the listener queue received, deleted once read. */
export async function drain(queueUrl: string): Promise<string[]> {
  const sqs = awsClient(SQSClient);
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return bodies;
    for (const { Body = "", ReceiptHandle } of Messages) {
      bodies.push(Body);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle }));
    }
  }
}

/** The input record-outcome started an execution with, as Step Functions keeps it. */
export async function startedInput(stateMachineArn: string, name: string): Promise<EscalationInput> {
  const executionArn = `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
  const { input } = await awsClient(SFNClient).send(new DescribeExecutionCommand({ executionArn }));
  return JSON.parse(input ?? "{}") as EscalationInput;
}
