// Stateful resources survive a mistaken change: a stack transform gives every resource the options its type's
// class calls for - `protect` (Pulumi refuses to delete or replace it) and, where deleting it loses data,
// `retainOnDelete` (removing it from the program leaves it in AWS). Every type either program creates is
// classified here, stateless ones included, so that a new type (a stream) is refused until someone
// decides what losing it would cost. One transform rather than options at each resource, so that a component
// added later is covered too, and so that the offline synth sees the options (tools/mocks.ts).
import type * as pulumi from "@pulumi/pulumi";

export type ResourceClass = "data" | "guards-data" | "state" | "history" | "stateless";

export interface ProtectionOptions {
  protect: boolean;
  retainOnDelete: boolean;
}

/** What each class gets where the stack protects its resources. */
export const PROTECTION: Readonly<Record<ResourceClass, ProtectionOptions>> = {
  // Deleting it loses what cannot be recreated from the program.
  data: { protect: true, retainOnDelete: true },
  // A bucket's safeguards: deleted first (children go before their bucket), they would leave the data
  // unversioned, public or reachable without TLS before the bucket itself stopped the deletion. Kept with it.
  "guards-data": { protect: true, retainOnDelete: true },
  // Its definition is code, but deleting it cuts off what depends on it (running executions, a topic's
  // subscriptions, every workflow of the account using the OIDC provider).
  state: { protect: true, retainOnDelete: false },
  // Logs: a replaced or removed function's history stays until its retention expires it.
  history: { protect: false, retainOnDelete: true },
  stateless: { protect: false, retainOnDelete: false },
};

/** Every custom resource type of the fleet program and the bootstrap program, by class. */
export const RESOURCE_CLASSES: Readonly<Record<string, ResourceClass>> = {
  "aws:s3/bucket:Bucket": "data",
  "aws:dynamodb/table:Table": "data",
  // A deleted key makes everything encrypted with it unreadable.
  "aws:kms/key:Key": "data",
  // A queue's messages (a dead-letter queue's failures above all) go with it.
  "aws:sqs/queue:Queue": "data",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "guards-data",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "guards-data",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "guards-data",
  "aws:s3/bucketVersioning:BucketVersioning": "guards-data",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "guards-data",
  "aws:s3/bucketPolicy:BucketPolicy": "guards-data",
  "aws:sfn/stateMachine:StateMachine": "state",
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "state",
  // A replaced topic has a new ARN and loses its subscriptions (e-mail ones must be confirmed again).
  "aws:sns/topic:Topic": "state",
  // Records buffered in a delivery stream go with it; its topic rule and producers name it.
  "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": "state",
  // Devices' certificates are attached to it: replaced, they lose their permissions until re-attached.
  "aws:iot/policy:Policy": "state",
  // Views and tables people add to the telemetry database go with it.
  "aws:glue/catalogDatabase:CatalogDatabase": "state",
  "aws:cloudwatch/logGroup:LogGroup": "history",
  "aws:cloudwatch/logStream:LogStream": "history",
  "pulumi:providers:aws": "stateless",
  "aws:lambda/function:Function": "stateless",
  "aws:iam/role:Role": "stateless",
  "aws:iam/rolePolicy:RolePolicy": "stateless",
  "aws:iam/policy:Policy": "stateless",
  "aws:kms/alias:Alias": "stateless",
  "aws:cloudwatch/metricAlarm:MetricAlarm": "stateless",
  "aws:sns/topicSubscription:TopicSubscription": "stateless",
  // Who may publish to a topic, and where a function's failed asynchronous invocations go: both follow from the
  // program on every update.
  "aws:sns/topicPolicy:TopicPolicy": "stateless",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": "stateless",
  "aws:iot/topicRule:TopicRule": "stateless",
  // Its columns and projection follow from the stack's config; the data is in S3.
  "aws:glue/catalogTable:CatalogTable": "stateless",
  "aws:lambda/eventSourceMapping:EventSourceMapping": "stateless",
  // A topic rule's or a topic's invoke permission on a function, and the account's event switches (bootstrap).
  "aws:lambda/permission:Permission": "stateless",
  "aws:iot/eventConfigurations:EventConfigurations": "stateless",
  // Its body is derived from the components' sections on every update.
  "aws:cloudwatch/dashboard:Dashboard": "stateless",
  // Its rate and target follow from the stack's config; the queue it drains is the table.
  "aws:scheduler/schedule:Schedule": "stateless",
};

/** The class of a custom resource type; a type nobody classified is refused, naming this file. */
export function resourceClass(type: string): ResourceClass {
  const found = RESOURCE_CLASSES[type];
  if (!found) {
    throw new Error(
      `${type} is not classified in infra/src/protection.ts: add it to RESOURCE_CLASSES as data, guards-data, state, history or stateless`,
    );
  }
  return found;
}

/**
 * Where AWS itself can refuse a deletion, protected stacks ask it to as well: Pulumi's `protect` stops only
 * Pulumi, a table's deletion protection stops DeleteTable from anyone (the console, the CLI, a script).
 */
const AWS_DELETION_GUARDS: Readonly<Record<string, Record<string, unknown>>> = {
  "aws:dynamodb/table:Table": { deletionProtectionEnabled: true },
};

/** The stack transform protecting and retaining by class; registered only where the stack's config asks. */
export const protectStatefulResources: pulumi.ResourceTransform = (args) => {
  if (!args.custom) return undefined;
  const { protect, retainOnDelete } = PROTECTION[resourceClass(args.type)];
  if (!protect && !retainOnDelete) return undefined;
  return {
    props: { ...args.props, ...AWS_DELETION_GUARDS[args.type] },
    opts: { ...args.opts, ...(protect ? { protect } : {}), ...(retainOnDelete ? { retainOnDelete } : {}) },
  };
};
