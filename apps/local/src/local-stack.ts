// A package's stack in the local emulator, derived from its manifest as infra derives the real one: every
// resource the package owns and every state machine, named `<package>-<name>-local` (infra names them
// `<package>-<name>-<suffix>`), and the value of each variable that carries one of them.
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  manifestProblems,
  type PackageManifest,
  QUEUE_RETENTION_SECONDS,
  type ResourceSpec,
  referencedHandlers,
  resourcesInCreationOrder,
  resourceVariables,
  substituteFunctionArns,
  TOPIC_KMS_KEY,
} from "@fleet/manifest";
import { awsClient } from "@fleet/shared-aws";

export const LOCAL_ACCOUNT = "000000000000";
const region = () => process.env.AWS_REGION ?? "us-east-1";

export const localName = (manifest: PackageManifest, name: string) => `${manifest.name}-${name}-local`;

const functionArn = (manifest: PackageManifest, handler: string) =>
  `arn:aws:lambda:${region()}:${LOCAL_ACCOUNT}:function:${localName(manifest, handler)}`;

/** The handlers' environment of a provisioned local stack. */
export const provisionLocalStack = async (manifest: PackageManifest): Promise<Record<string, string>> =>
  (await provisionLocalResources(manifest)).env;

/**
 * Creates what is missing of the package's resources and state machines (each call is safe to repeat) and
 * returns each of them by manifest name → the bucket or table name, the topic or state machine ARN, or the
 * queue URL, and the handlers' environment: each variable carrying a resource → that value. Resources get the
 * settings infra gives them where the emulator has them (encryption, retention, redrive).
 */
export async function provisionLocalResources(
  manifest: PackageManifest,
): Promise<{ env: Record<string, string>; resources: Record<string, string> }> {
  const problems = manifestProblems(manifest);
  if (problems.length > 0) throw new Error(`${manifest.name}: ${problems.join("; ")}`);
  const values: Record<string, string> = {};
  for (const [name, spec] of resourcesInCreationOrder(manifest)) {
    values[name] = await ensureResource(localName(manifest, name), spec, values);
  }
  for (const [name, { definition }] of Object.entries(manifest.stateMachines)) {
    const arns = referencedHandlers(definition).map((handler) => [handler, functionArn(manifest, handler)]);
    values[name] = await ensureStateMachine(
      localName(manifest, name),
      JSON.stringify(substituteFunctionArns(definition, Object.fromEntries(arns))),
    );
  }
  const env = Object.fromEntries(
    Object.entries(resourceVariables(manifest)).map(([variable, resource]) => [
      variable,
      values[resource] as string,
    ]),
  );
  return { env, resources: values };
}

/** Runs `create`, taking "it exists already" for done. */
async function unlessExists(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!["BucketAlreadyOwnedByYou", "ResourceInUseException"].includes((error as Error).name)) throw error;
  }
}

/** Turns the table's time-to-live on unless it is (DynamoDB refuses to enable it twice). */
async function enableTimeToLive(table: string, attribute: string): Promise<void> {
  const db = awsClient(DynamoDBClient);
  const { TimeToLiveDescription: ttl } = await db.send(new DescribeTimeToLiveCommand({ TableName: table }));
  if (ttl?.TimeToLiveStatus === "ENABLED" && ttl.AttributeName === attribute) return;
  await db.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
    }),
  );
}

/**
 * Creates the resource unless it exists; returns what a variable carrying it holds. `created` holds the values
 * of the package's resources created before it, those it refers to among them.
 */
async function ensureResource(
  name: string,
  spec: ResourceSpec,
  created: Record<string, string>,
): Promise<string> {
  switch (spec.kind) {
    case "bucket":
      await unlessExists(() => awsClient(S3Client).send(new CreateBucketCommand({ Bucket: name })));
      return name;
    case "table": {
      const keys = [
        { AttributeName: spec.partitionKey, KeyType: "HASH" as const },
        ...(spec.sortKey ? [{ AttributeName: spec.sortKey, KeyType: "RANGE" as const }] : []),
      ];
      await unlessExists(() =>
        awsClient(DynamoDBClient).send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: keys,
            AttributeDefinitions: keys.map(({ AttributeName }) => ({ AttributeName, AttributeType: "S" })),
            BillingMode: "PAY_PER_REQUEST",
          }),
        ),
      );
      if (spec.ttlAttribute) await enableTimeToLive(name, spec.ttlAttribute);
      return name;
    }
    // Creating a topic or a queue again with the same attributes returns the existing one.
    case "topic": {
      const { TopicArn } = await awsClient(SNSClient).send(
        new CreateTopicCommand({ Name: name, Attributes: { KmsMasterKeyId: TOPIC_KMS_KEY } }),
      );
      return TopicArn as string;
    }
    case "queue": {
      const { deadLetter } = spec;
      const redrive = deadLetter && {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: await queueArn(created[deadLetter.queue] as string),
          maxReceiveCount: deadLetter.maxReceives,
        }),
      };
      const { QueueUrl } = await awsClient(SQSClient).send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            SqsManagedSseEnabled: "true",
            MessageRetentionPeriod: String(QUEUE_RETENTION_SECONDS),
            ...redrive,
          },
        }),
      );
      return QueueUrl as string;
    }
  }
}

async function queueArn(queueUrl: string): Promise<string> {
  const { Attributes } = await awsClient(SQSClient).send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  return Attributes?.QueueArn as string;
}

async function ensureStateMachine(name: string, definition: string): Promise<string> {
  const sfn = awsClient(SFNClient);
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  const existing = stateMachines.find((machine) => machine.name === name);
  if (existing?.stateMachineArn) return existing.stateMachineArn;
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition,
      roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`,
    }),
  );
  return created.stateMachineArn as string;
}
