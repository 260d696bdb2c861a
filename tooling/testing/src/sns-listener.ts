// Reading what was published to an SNS topic in the emulator: a queue subscribed to the topic (raw delivery off,
// so each message is SNS's envelope, as an e-mail or Lambda subscriber sees it), drained on demand; and the event
// Lambda receives from an SNS subscription, built from one envelope, to feed a handler as SNS would.
import { randomUUID } from "node:crypto";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { drainQueue } from "./sqs-queue";

/** What SNS delivers to a subscribed queue: the envelope around the published message. */
export interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
}

export interface ListenedTopic {
  arn: string;
  subscriptionArn: string;
  /** Every envelope the queue holds now, deleted once read. */
  received(): Promise<SnsEnvelope[]>;
}

/** Creates the topic `name` (or finds it: CreateTopic is idempotent) with a new queue subscribed to it. */
export async function listenedTopic(name: string): Promise<ListenedTopic> {
  const sns = new SNSClient({});
  const sqs = new SQSClient({});
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name.slice(0, 70)}-${randomUUID().slice(0, 8)}` }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: Attributes?.QueueArn }),
  );
  const received = async () =>
    (await drainQueue(QueueUrl as string, sqs)).map(({ Body = "" }) => JSON.parse(Body) as SnsEnvelope);
  return { arn: TopicArn as string, subscriptionArn: SubscriptionArn as string, received };
}

/** The event a Lambda function subscribed to `topic` receives for one envelope. */
export const snsLambdaEvent = (topic: ListenedTopic, envelope: SnsEnvelope) => ({
  Records: [
    {
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: topic.subscriptionArn,
      Sns: { ...envelope, MessageAttributes: {} },
    },
  ],
});
