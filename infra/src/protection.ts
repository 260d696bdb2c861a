// Stateful resources survive a mistaken change: a stack transform gives every resource of a stateful type
// `protect` (Pulumi refuses to delete or replace it) and, where deleting it loses data, `retainOnDelete`
// (removing it from the program leaves it in AWS). One transform rather than options at each resource, so that
// a component added later is covered too, and so that the offline synth sees the options (tools/mocks.ts).
import type * as pulumi from "@pulumi/pulumi";

/** Stateful resource types, and whether deleting one loses data that cannot be recreated from the program. */
export const STATEFUL_TYPES: Readonly<Record<string, { holdsData: boolean }>> = {
  "aws:s3/bucket:Bucket": { holdsData: true },
  "aws:dynamodb/table:Table": { holdsData: true },
  // A deleted key makes everything encrypted with it unreadable.
  "aws:kms/key:Key": { holdsData: true },
  // A queue's messages (a dead-letter queue's failures above all) go with it.
  "aws:sqs/queue:Queue": { holdsData: true },
  // Deleting a state machine stops its running executions and drops their history; its definition is code.
  "aws:sfn/stateMachine:StateMachine": { holdsData: false },
  // A replaced topic has a new ARN and loses its subscriptions (e-mail ones must be confirmed again).
  "aws:sns/topic:Topic": { holdsData: false },
};

/** The stack transform protecting every stateful resource; registered only where the stack's config asks. */
export const protectStatefulResources: pulumi.ResourceTransform = (args) => {
  const stateful = STATEFUL_TYPES[args.type];
  if (!args.custom || !stateful) return undefined;
  return {
    props: args.props,
    opts: { ...args.opts, protect: true, ...(stateful.holdsData ? { retainOnDelete: true } : {}) },
  };
};
