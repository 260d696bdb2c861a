// What `pulumi up` must be allowed to do for each resource type the fleet program creates, checked against the
// deploy role the bootstrap gives the stack's environment (bootstrap/src/policies/ci-roles.ts). The list is the
// test's own, from what the AWS provider calls to create, read, tag and delete each type: it is not derived from
// the role's statements (src/resource-kinds.ts and ci-roles.ts), so that it can catch them falling short.
import { deployRoleStatements } from "../../bootstrap/src/policies/ci-roles";
import type { AwsScope, PolicyStatement } from "../../src/policies/document";
import type { RecordedResource } from "../../tools/mocks";
import { globMatches } from "./deployment-checks";

/** A new resource type fails the stack checks until it is listed here and the deploy role grants its actions. */
const MANAGED_WITH: Record<string, string[]> = {
  "pulumi:providers:aws": [],
  "aws:iam/role:Role": ["iam:CreateRole", "iam:GetRole", "iam:TagRole", "iam:DeleteRole", "iam:PassRole"],
  "aws:kms/key:Key": [
    "kms:CreateKey",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetPublicKey",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:ScheduleKeyDeletion",
  ],
  "aws:iam/rolePolicy:RolePolicy": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
  "aws:lambda/eventSourceMapping:EventSourceMapping": [
    "lambda:CreateEventSourceMapping",
    "lambda:GetEventSourceMapping",
    "lambda:UpdateEventSourceMapping",
    "lambda:DeleteEventSourceMapping",
  ],
  "aws:lambda/function:Function": [
    "lambda:CreateFunction",
    "lambda:GetFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:TagResource",
    "lambda:DeleteFunction",
  ],
  "aws:cloudwatch/logGroup:LogGroup": [
    "logs:CreateLogGroup",
    "logs:DescribeLogGroups",
    "logs:PutRetentionPolicy",
    "logs:TagResource",
    "logs:DeleteLogGroup",
  ],
  "aws:lambda/permission:Permission": ["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
  "aws:cloudwatch/dashboard:Dashboard": [
    "cloudwatch:PutDashboard",
    "cloudwatch:GetDashboard",
    "cloudwatch:DeleteDashboards",
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": [
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:TagResource",
    "cloudwatch:DeleteAlarms",
  ],
  "aws:sfn/stateMachine:StateMachine": [
    "states:CreateStateMachine",
    "states:DescribeStateMachine",
    "states:UpdateStateMachine",
    "states:TagResource",
    "states:DeleteStateMachine",
    "logs:CreateLogDelivery",
  ],
  "aws:sns/topic:Topic": [
    "sns:CreateTopic",
    "sns:GetTopicAttributes",
    "sns:SetTopicAttributes",
    "sns:TagResource",
    "sns:ListTagsForResource",
    "sns:DeleteTopic",
  ],
  "aws:sns/topicSubscription:TopicSubscription": [
    "sns:Subscribe",
    "sns:GetSubscriptionAttributes",
    "sns:Unsubscribe",
  ],
  "aws:sns/topicPolicy:TopicPolicy": ["sns:SetTopicAttributes", "sns:GetTopicAttributes"],
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": [
    "lambda:PutFunctionEventInvokeConfig",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:UpdateFunctionEventInvokeConfig",
    "lambda:DeleteFunctionEventInvokeConfig",
  ],
  "aws:sqs/queue:Queue": [
    "sqs:CreateQueue",
    "sqs:GetQueueAttributes",
    "sqs:SetQueueAttributes",
    "sqs:TagQueue",
    "sqs:ListQueueTags",
    "sqs:DeleteQueue",
  ],
  "aws:dynamodb/table:Table": [
    "dynamodb:CreateTable",
    "dynamodb:DescribeTable",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:UpdateContinuousBackups",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:TagResource",
    "dynamodb:ListTagsOfResource",
    "dynamodb:DeleteTable",
  ],
  "aws:s3/bucket:Bucket": ["s3:CreateBucket", "s3:ListBucket", "s3:PutBucketTagging", "s3:DeleteBucket"],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [
    "s3:PutBucketOwnershipControls",
    "s3:GetBucketOwnershipControls",
  ],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [
    "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketPublicAccessBlock",
  ],
  "aws:s3/bucketVersioning:BucketVersioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
    "s3:PutEncryptionConfiguration",
    "s3:GetEncryptionConfiguration",
  ],
  "aws:s3/bucketPolicy:BucketPolicy": ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
  "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": [
    "firehose:CreateDeliveryStream",
    "firehose:DescribeDeliveryStream",
    "firehose:UpdateDestination",
    "firehose:StartDeliveryStreamEncryption",
    "firehose:TagDeliveryStream",
    "firehose:ListTagsForDeliveryStream",
    "firehose:DeleteDeliveryStream",
  ],
  "aws:iot/topicRule:TopicRule": [
    "iot:CreateTopicRule",
    "iot:GetTopicRule",
    "iot:ReplaceTopicRule",
    "iot:ListTagsForResource",
    "iot:DeleteTopicRule",
  ],
  "aws:iot/policy:Policy": [
    "iot:CreatePolicy",
    "iot:GetPolicy",
    "iot:CreatePolicyVersion",
    "iot:ListPolicyVersions",
    "iot:DeletePolicyVersion",
    "iot:DeletePolicy",
  ],
  "aws:glue/catalogDatabase:CatalogDatabase": [
    "glue:CreateDatabase",
    "glue:GetDatabase",
    "glue:UpdateDatabase",
    "glue:DeleteDatabase",
  ],
  "aws:glue/catalogTable:CatalogTable": [
    "glue:CreateTable",
    "glue:GetTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
  ],
  "aws:cloudwatch/logStream:LogStream": [
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:DeleteLogStream",
  ],
  "aws:scheduler/schedule:Schedule": [
    "scheduler:CreateSchedule",
    "scheduler:GetSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
  ],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": [
    "s3:PutLifecycleConfiguration",
    "s3:GetLifecycleConfiguration",
  ],
};

/** The statements of the deploy role the bootstrap gives `environment` in the account and region of `scope`. */
export const deployRoleOf = (scope: AwsScope, environment: string): PolicyStatement[] =>
  deployRoleStatements({
    scope,
    environment,
    state: {
      partition: scope.partition,
      bucket: "state",
      keyArn: `arn:aws:kms:${scope.region}:${scope.accountId}:key/k`,
    },
    secretsKeyArn: `arn:aws:kms:${scope.region}:${scope.accountId}:key/s`,
  });

/**
 * What the deploy role may not do that `pulumi up` needs for the resources created, one line per resource type
 * and action: a type not listed above, an action no statement allows, or allows only on other resources than
 * the one created (where its ARN is known). Empty when the role can deploy them all.
 */
export function unmanageable(resources: RecordedResource[], statements: PolicyStatement[]): string[] {
  const allows = (action: string, arn: string | undefined) =>
    statements.some(
      (s) =>
        s.Effect === "Allow" &&
        s.Action.includes(action) &&
        (arn === undefined || (s.Resource ?? []).some((resource) => globMatches(resource, arn))),
    );
  const problems = resources
    .filter((resource) => resource.custom)
    .flatMap((resource) => {
      const actions = MANAGED_WITH[resource.type];
      if (!actions) return [`${resource.type}: not listed in MANAGED_WITH`];
      const arn = resource.computed.arn as string | undefined;
      return actions
        .filter((action) => !allows(action, arn))
        .map((action) => `${resource.type}: ${action}${arn ? ` on ${arn}` : ""}`);
    });
  return [...new Set(problems)].sort();
}
