// A queue in the emulator as its producers and its Lambda event source mapping use it: messages sent as an IoT
// rule's SQS action sends them (the payload's JSON as the body), every message drained, and batches handed to a
// handler in the event Lambda's SQS event source mapping builds, deleting what it did not report as failed.
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

/** SQS answers at most 10 messages a receive and takes at most 10 a batch send. */
const SQS_MAX = 10;

/** Sends each payload as one message, its JSON the body: what an IoT rule's SQS action (useBase64 off) sends. */
export async function sendAsRule(
  queueUrl: string,
  payloads: unknown[],
  sqs = new SQSClient({}),
): Promise<void> {
  for (let i = 0; i < payloads.length; i += SQS_MAX) {
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: payloads
          .slice(i, i + SQS_MAX)
          .map((payload, n) => ({ Id: String(n), MessageBody: JSON.stringify(payload) })),
      }),
    );
    if (Failed.length > 0) throw new Error(`sending to ${queueUrl} failed: ${JSON.stringify(Failed)}`);
  }
}

/** Up to `max` messages the queue holds now (fewer when it holds fewer), received and left in flight. */
async function receive(sqs: SQSClient, queueUrl: string, max: number): Promise<Message[]> {
  const messages: Message[] = [];
  while (messages.length < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(SQS_MAX, max - messages.length),
        MessageSystemAttributeNames: ["All"],
      }),
    );
    if (Messages.length === 0) break;
    messages.push(...Messages);
  }
  return messages;
}

/** Every message the queue holds now, deleted once read. */
export async function drainQueue(queueUrl: string, sqs = new SQSClient({})): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const batch = await receive(sqs, queueUrl, SQS_MAX);
    if (batch.length === 0) return messages;
    for (const { ReceiptHandle } of batch)
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle }));
    messages.push(...batch);
  }
}

/** The event Lambda's SQS event source mapping hands its function for `messages` of the queue `queueArn`. */
export function sqsLambdaEvent(queueArn: string, messages: Message[]) {
  const [, , , region] = queueArn.split(":");
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId as string,
      receiptHandle: m.ReceiptHandle as string,
      body: m.Body ?? "",
      attributes: m.Attributes ?? {},
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

export interface Delivery {
  /** Invocations of the handler, one a batch. */
  batches: number;
  messages: number;
  /** The ids the handler reported as failed: left in the queue, as the mapping leaves them. */
  failed: string[];
}

/**
 * Drains the queue into `handle` as an event source mapping of `batchSize` would: batches of what the queue holds,
 * each message deleted unless the handler reports it in `batchItemFailures` (then made visible again only after
 * its visibility timeout, as SQS would). A handler that throws leaves its whole batch in the queue, and throws.
 */
export async function deliverQueue(
  queueUrl: string,
  handle: (event: ReturnType<typeof sqsLambdaEvent>) => Promise<unknown>,
  { batchSize = 10, sqs = new SQSClient({}) }: { batchSize?: number; sqs?: SQSClient } = {},
): Promise<Delivery> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queueArn = Attributes?.QueueArn as string;
  const delivery: Delivery = { batches: 0, messages: 0, failed: [] };
  for (;;) {
    const batch = await receive(sqs, queueUrl, batchSize);
    if (batch.length === 0) return delivery;
    const answer = (await handle(sqsLambdaEvent(queueArn, batch))) as {
      batchItemFailures?: { itemIdentifier: string }[];
    } | null;
    const failed = new Set((answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    for (const { MessageId, ReceiptHandle } of batch)
      if (!failed.has(MessageId as string))
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle }));
    delivery.batches++;
    delivery.messages += batch.length;
    delivery.failed.push(...failed);
  }
}
