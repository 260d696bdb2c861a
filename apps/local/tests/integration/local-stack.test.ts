// The local stack is derived from a manifest alone: the example package of @fleet/manifest's fixtures (a
// resource of every kind, a state machine) gets each, and each of its variables the value infra would give it.
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeStateMachineCommand, SFNClient } from "@aws-sdk/client-sfn";
import { GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { PackageManifest } from "@fleet/manifest";
import { manifest } from "@fleet/manifest/fixtures/example-domain";
import { awsClient } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import { LOCAL_ACCOUNT, provisionLocalResources, provisionLocalStack } from "../../src/local-stack";

const queueAttributes = async (queueUrl: string) =>
  (
    await awsClient(SQSClient).send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }),
    )
  ).Attributes ?? {};

describe("provisionLocalStack", () => {
  it("names every resource and state machine by its manifest name, the same values the variables carry", async () => {
    const { env, resources } = await provisionLocalResources(manifest);
    expect(resources).toEqual({
      inbox: env.INBOX_BUCKET,
      ledger: env.LEDGER_TABLE,
      flow: env.FLOW_ARN,
      notices: env.NOTICES_TOPIC_ARN,
      outbox: env.OUTBOX_QUEUE_URL,
    });
  });

  it("creates every resource and state machine of the manifest, and gives each variable its value", async () => {
    const env = await provisionLocalStack(manifest);
    const region = process.env.AWS_REGION;
    expect(env).toEqual({
      INBOX_BUCKET: "example-domain-inbox-local",
      LEDGER_TABLE: "example-domain-ledger-local",
      // The emulator's own account, in the ARNs and URLs it gave the state machine, the topic and the queue.
      FLOW_ARN: expect.stringMatching(
        /^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:example-domain-flow-local$/,
      ),
      NOTICES_TOPIC_ARN: expect.stringMatching(
        /^arn:aws:sns:[a-z0-9-]+:\d{12}:example-domain-notices-local$/,
      ),
      OUTBOX_QUEUE_URL: expect.stringMatching(/^http:\/\/\S+\/\d{12}\/example-domain-outbox-local$/),
    });
    const { Table } = await awsClient(DynamoDBClient).send(
      new DescribeTableCommand({ TableName: env.LEDGER_TABLE }),
    );
    expect(Table?.KeySchema).toEqual([{ AttributeName: "key", KeyType: "HASH" }]);
    // The manifest's ttlAttribute, as infra sets it (moto stores it; it deletes nothing when an item expires).
    const { TimeToLiveDescription } = await awsClient(DynamoDBClient).send(
      new DescribeTimeToLiveCommand({ TableName: env.LEDGER_TABLE }),
    );
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" });
    const { definition } = await awsClient(SFNClient).send(
      new DescribeStateMachineCommand({ stateMachineArn: env.FLOW_ARN as string }),
    );
    expect(JSON.parse(definition ?? "{}").States.Record.Parameters.FunctionName).toBe(
      `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:example-domain-record-local`,
    );
    // Encrypted and kept as infra sets them.
    const topic = await awsClient(SNSClient).send(
      new GetTopicAttributesCommand({ TopicArn: env.NOTICES_TOPIC_ARN }),
    );
    expect(topic.Attributes?.KmsMasterKeyId).toBe("alias/aws/sns");
    expect(await queueAttributes(env.OUTBOX_QUEUE_URL as string)).toEqual(
      expect.objectContaining({ SqsManagedSseEnabled: "true", MessageRetentionPeriod: "1209600" }),
    );
  });

  it("creates a dead-letter queue first and redrives the queue naming it there", async () => {
    const redriving: PackageManifest = {
      ...manifest,
      name: "example-redrive",
      resources: {
        ...manifest.resources,
        outbox: { kind: "queue", description: "o", deadLetter: { queue: "failed", maxReceives: 3 } },
        failed: { kind: "queue", description: "f" },
      },
    };
    await provisionLocalStack(redriving);
    const queues = await awsClient(SQSClient).send(
      new ListQueuesCommand({ QueueNamePrefix: "example-redrive-" }),
    );
    const url = (name: string) =>
      queues.QueueUrls?.find((u) => u.endsWith(`/example-redrive-${name}-local`)) as string;
    const { QueueArn } = await queueAttributes(url("failed"));
    const { RedrivePolicy = "{}" } = await queueAttributes(url("outbox"));
    expect(JSON.parse(RedrivePolicy)).toEqual({ deadLetterTargetArn: QueueArn, maxReceiveCount: 3 });
  });

  it("finds what exists instead of failing or duplicating it (a time-to-live already on is left as it is)", async () => {
    const first = await provisionLocalStack(manifest);
    expect(await provisionLocalStack(manifest)).toEqual(first);
  });

  it("refuses a manifest that contradicts itself before creating anything", async () => {
    const broken = { ...manifest, name: "broken", resources: {} };
    await expect(provisionLocalStack(broken)).rejects.toThrow(
      "broken: record uses inbox, which is no resource or state machine of broken",
    );
  });
});
