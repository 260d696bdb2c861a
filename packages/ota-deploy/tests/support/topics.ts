// The stack's three alarm topics in the emulator, each with an SQS queue subscribed to read what was published
// to it (as an operator's address or the force stopper's Lambda would receive it), and the Lambda SNS event a
// subscription delivers.
import { randomUUID } from "node:crypto";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { awsClient } from "@fleet/shared-aws";

/** What SNS delivers to a subscribed queue (raw delivery off): the envelope with the message. */
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
  queueUrl: string;
  subscriptionArn: string;
}

export async function listenedTopic(name: string): Promise<ListenedTopic> {
  const sns = awsClient(SNSClient);
  const sqs = awsClient(SQSClient);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name}-${randomUUID().slice(0, 8)}` }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: Attributes?.QueueArn }),
  );
  return {
    arn: TopicArn as string,
    queueUrl: QueueUrl as string,
    subscriptionArn: SubscriptionArn as string,
  };
}

/** Every envelope the queue holds now, deleted once read. */
export async function drain(queueUrl: string): Promise<SnsEnvelope[]> {
  const sqs = awsClient(SQSClient);
  const envelopes: SnsEnvelope[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return envelopes;
    for (const message of Messages) {
      envelopes.push(JSON.parse(message.Body as string) as SnsEnvelope);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

/** The event Lambda receives from an SNS subscription, for one envelope. */
export const snsEvent = (topic: ListenedTopic, envelope: SnsEnvelope) => ({
  Records: [
    {
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: topic.subscriptionArn,
      Sns: { ...envelope, MessageAttributes: {} },
    },
  ],
});
