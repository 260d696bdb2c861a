// Every kind of resource a package manifest may own (@fleet/manifest ResourceSpec), as AWS knows it: the
// resource types infra creates for one (components/package-resources.ts), the shape of its ARN, the longest name
// AWS gives one, the actions `pulumi up` calls to create, read, update, tag and delete them, and the most a
// fleet workload may do with them. The bootstrap grants exactly these, on the environment's names
// (`fleet-<env>-…`): the deploy role the deploy actions (deployRoleKindStatements), the permissions boundary of
// every fleet role the workload actions (workloadKindStatements). A kind cannot be added without the role that
// deploys it being able to, nor its handlers left unable to use it.
import type { ResourceSpec } from "@fleet/manifest";
import { type AwsScope, allow, type PolicyStatement, regionalArn } from "./policies/document";

export interface ResourceKind {
  /** The Pulumi types of what one resource of the kind is made of; the first is the resource its ARN names. */
  types: readonly string[];
  /** The ARN of the resource named `name`, or the pattern of those whose names match `name` (`*`). */
  arn(scope: AwsScope, name: string): string;
  /** The longest name AWS accepts for the resource its ARN names (Pulumi's generated name included). */
  maxNameLength: number;
  /** What the deploy role must be allowed to do with them (the AWS provider reads every setting on refresh). */
  deployActions: readonly string[];
  /**
   * What a fleet workload may ever do with one, `on` it and `within` it (`<arn>/*`: a bucket's objects): the
   * permissions boundary's limit, not a grant - each handler's own statements name what it uses.
   */
  workloadActions: { on: readonly string[]; within?: readonly string[] };
}

export const RESOURCE_KINDS: Readonly<Record<ResourceSpec["kind"], ResourceKind>> = {
  bucket: {
    types: [
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketVersioning:BucketVersioning",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "aws:s3/bucketPolicy:BucketPolicy",
    ],
    // Bucket names are global: the environment's prefix keeps other teams' buckets (and the state bucket) out of reach.
    arn: (scope, name) => `arn:${scope.partition}:s3:::${name}`,
    maxNameLength: 63,
    deployActions: [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:DeleteBucketOwnershipControls",
      "s3:DeleteBucketPolicy",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketLocation",
      "s3:GetBucketLogging",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketOwnershipControls",
      "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketTagging",
      "s3:GetBucketVersioning",
      "s3:GetBucketWebsite",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:ListBucket",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketTagging",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
    ],
    workloadActions: {
      on: ["s3:ListBucket"],
      within: [
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:GetObjectTagging",
        "s3:GetObjectVersion",
        "s3:GetObjectVersionTagging",
        "s3:PutObject",
      ],
    },
  },
  table: {
    types: ["aws:dynamodb/table:Table"],
    arn: (scope, name) => regionalArn(scope, "dynamodb", `table/${name}`),
    maxNameLength: 255,
    // Point-in-time recovery is the table's continuous backups; the provider reads its time-to-live, and sets it
    // on a table whose manifest names a ttlAttribute.
    deployActions: [
      "dynamodb:CreateTable",
      "dynamodb:DeleteTable",
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:DescribeTable",
      "dynamodb:DescribeTimeToLive",
      "dynamodb:ListTagsOfResource",
      "dynamodb:TagResource",
      "dynamodb:UntagResource",
      "dynamodb:UpdateContinuousBackups",
      "dynamodb:UpdateTable",
      "dynamodb:UpdateTimeToLive",
    ],
    workloadActions: {
      on: [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ],
    },
  },
  topic: {
    types: ["aws:sns/topic:Topic"],
    // An SNS ARN has no resource type to narrow by: the topic's name follows the region and account.
    arn: (scope, name) => regionalArn(scope, "sns", name),
    maxNameLength: 256,
    deployActions: [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:GetTopicAttributes",
      "sns:ListTagsForResource",
      "sns:SetTopicAttributes",
      "sns:TagResource",
      "sns:UntagResource",
    ],
    workloadActions: { on: ["sns:Publish"] },
  },
  queue: {
    types: ["aws:sqs/queue:Queue"],
    arn: (scope, name) => regionalArn(scope, "sqs", name),
    maxNameLength: 80,
    // A redrive policy is an attribute of the queue it applies to: nothing is asked of the dead-letter queue.
    deployActions: [
      "sqs:CreateQueue",
      "sqs:DeleteQueue",
      "sqs:GetQueueAttributes",
      "sqs:ListQueueTags",
      "sqs:SetQueueAttributes",
      "sqs:TagQueue",
      "sqs:UntagQueue",
    ],
    // Sending, and consuming: by a handler's own calls or by a Lambda event source mapping on its role.
    workloadActions: {
      on: [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
      ],
    },
  },
};

/** Every resource of `kind` whose name starts with `namePrefix` (the environment's `fleet-<env>-`). */
const prefixed = (kind: ResourceKind, scope: AwsScope, namePrefix: string) =>
  kind.arn(scope, `${namePrefix}*`);

/**
 * The deploy role's statements for the resources packages own: each kind's actions on every resource of that
 * kind in the role's account and region named with the environment's prefix (the rest of the name is generated).
 */
export const deployRoleKindStatements = (scope: AwsScope, namePrefix: string): PolicyStatement[] =>
  Object.values(RESOURCE_KINDS).map((kind) =>
    allow([...kind.deployActions], [prefixed(kind, scope, namePrefix)]),
  );

/** The permissions boundary's statements for the resources packages own: each kind's workload actions, likewise. */
export const workloadKindStatements = (scope: AwsScope, namePrefix: string): PolicyStatement[] =>
  Object.values(RESOURCE_KINDS).flatMap((kind) => {
    const arn = prefixed(kind, scope, namePrefix);
    const { on, within } = kind.workloadActions;
    return [allow([...on], [arn]), ...(within ? [allow([...within], [`${arn}/*`])] : [])];
  });
