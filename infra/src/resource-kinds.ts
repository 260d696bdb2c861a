// Every kind of resource a package manifest may own (@fleet/manifest ResourceSpec), as AWS knows it: the
// resource types infra creates for one (components/package-resources.ts), the shape of its ARN, and the actions
// `pulumi up` calls to create, read, update, tag and delete them. The bootstrap's deploy role is granted exactly
// these (deployRoleKindStatements), so a kind cannot be added without the role that deploys it being able to.
import type { ResourceSpec } from "@fleet/manifest";
import { type AwsScope, allow, type PolicyStatement, regionalArn } from "./policies/document";

export interface ResourceKind {
  /** The Pulumi types of what one resource of the kind is made of; the first is the resource its ARN names. */
  types: readonly string[];
  /** The ARN of the resource named `name`, or the pattern of those whose names match `name` (`*`). */
  arn(scope: AwsScope, name: string): string;
  /** What the deploy role must be allowed to do with them (the AWS provider reads every setting on refresh). */
  deployActions: readonly string[];
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
    // Bucket names are global: only this account's buckets (and those granting it) are reachable.
    arn: (scope, name) => `arn:${scope.partition}:s3:::${name}`,
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
  },
  table: {
    types: ["aws:dynamodb/table:Table"],
    arn: (scope, name) => regionalArn(scope, "dynamodb", `table/${name}`),
    // Point-in-time recovery is the table's continuous backups; the provider reads its time-to-live too.
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
    ],
  },
  topic: {
    types: ["aws:sns/topic:Topic"],
    // An SNS ARN has no resource type to narrow by: the topic's name follows the region and account.
    arn: (scope, name) => regionalArn(scope, "sns", name),
    deployActions: [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:GetTopicAttributes",
      "sns:ListTagsForResource",
      "sns:SetTopicAttributes",
      "sns:TagResource",
      "sns:UntagResource",
    ],
  },
  queue: {
    types: ["aws:sqs/queue:Queue"],
    arn: (scope, name) => regionalArn(scope, "sqs", name),
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
  },
};

/**
 * The deploy role's statements for the resources packages own: each kind's actions on every resource of that
 * kind in the role's account and region (their names are generated).
 */
export const deployRoleKindStatements = (scope: AwsScope): PolicyStatement[] =>
  Object.values(RESOURCE_KINDS).map((kind) => allow([...kind.deployActions], [kind.arn(scope, "*")]));
