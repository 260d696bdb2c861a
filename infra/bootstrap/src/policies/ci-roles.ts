// What the CI roles of one environment may do. The deploy role runs `pulumi up` of the fleet program: it
// manages exactly the resource types the program creates (`pnpm synth <stack>` lists them), in this account and
// region, named with the environment's prefix (`fleet-<env>-`) - in an account other teams share, theirs are out
// of reach - and only the IAM roles under the environment's workload path, each created and given policies only
// with the environment's permissions boundary (workload-boundary.ts), which it may neither change nor remove: a
// role it creates can do no more than a fleet workload. It may pass those roles to Lambda and Step Functions and
// no other role to anything. The preview role reads its stack's state and decrypts it: a preview without
// --refresh reads nothing else from AWS except the IoT endpoint the program looks up.
import {
  type AwsScope,
  allow,
  allowWithoutResourceType,
  type PolicyStatement,
  regionalArn,
} from "../../../src/policies/document";
import { deployRoleKindStatements } from "../../../src/resource-kinds";
import { resourceNamePrefix, workloadBoundaryArn, workloadRolePath } from "../naming";
import { secretsKeyStatements } from "./keys";
import { type StateLocation, stateStatements } from "./state-access";

export interface CiRoleContext {
  /** This account and region: where the environment's resources live. */
  scope: AwsScope;
  environment: string;
  state: StateLocation;
  /** The environment's own secrets key (keys.ts), in this account. */
  secretsKeyArn: string;
}

const WORKLOAD_ROLE_ACTIONS = [
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:DeleteRolePolicy",
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
  "iam:ListRolePolicies",
  "iam:ListRoleTags",
  "iam:PutRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
];
/** Only with the environment's permissions boundary on the role (iam:PermissionsBoundary). */
const BOUNDED_ROLE_ACTIONS = ["iam:CreateRole", "iam:PutRolePolicy"];
/** What would loosen the boundary: editing or deleting the policy, removing it from a role or swapping it. */
const BOUNDARY_POLICY_CHANGES = [
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
];
const FUNCTION_ACTIONS = [
  // A function's resource policy (a topic allowed to invoke it).
  "lambda:AddPermission",
  "lambda:GetPolicy",
  "lambda:RemovePermission",
  // Where a function's failed asynchronous invocations go (its on-failure destination).
  "lambda:DeleteFunctionEventInvokeConfig",
  "lambda:GetFunctionEventInvokeConfig",
  "lambda:PutFunctionEventInvokeConfig",
  "lambda:UpdateFunctionEventInvokeConfig",
  "lambda:CreateFunction",
  "lambda:DeleteFunction",
  "lambda:GetFunction",
  "lambda:GetFunctionCodeSigningConfig",
  "lambda:GetFunctionConcurrency",
  "lambda:GetFunctionConfiguration",
  "lambda:GetFunctionRecursionConfig",
  "lambda:GetPolicy",
  "lambda:GetRuntimeManagementConfig",
  "lambda:ListTags",
  "lambda:ListVersionsByFunction",
  "lambda:RemovePermission",
  "lambda:TagResource",
  "lambda:UntagResource",
  "lambda:UpdateFunctionCode",
  "lambda:UpdateFunctionConfiguration",
];
const LOG_GROUP_ACTIONS = [
  "logs:CreateLogGroup",
  "logs:DeleteLogGroup",
  "logs:DeleteRetentionPolicy",
  "logs:ListTagsForResource",
  "logs:ListTagsLogGroup",
  "logs:PutRetentionPolicy",
  "logs:TagLogGroup",
  "logs:TagResource",
  "logs:UntagLogGroup",
  "logs:UntagResource",
];
/** Vended-log delivery for the state machines' logs: permission-only actions without a resource type. */
const LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:DescribeResourcePolicies",
  "logs:GetLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:UpdateLogDelivery",
];
const STATE_MACHINE_ACTIONS = [
  "states:CreateStateMachine",
  "states:DeleteStateMachine",
  "states:DescribeStateMachine",
  "states:ListStateMachineVersions",
  "states:ListTagsForResource",
  "states:TagResource",
  "states:UntagResource",
  "states:UpdateStateMachine",
];
/** The alert topic's e-mail subscription; the topic itself is managed as a package's are (resource-kinds.ts). */
const TOPIC_ACTIONS = [
  "sns:GetSubscriptionAttributes",
  "sns:ListSubscriptionsByTopic",
  "sns:SetSubscriptionAttributes",
  "sns:Subscribe",
  "sns:Unsubscribe",
];
/** The stack's dashboard (a global resource: its ARN has no region). */
const DASHBOARD_ACTIONS = [
  "cloudwatch:DeleteDashboards",
  "cloudwatch:GetDashboard",
  "cloudwatch:PutDashboard",
];
const ALARM_ACTIONS = [
  "cloudwatch:DeleteAlarms",
  "cloudwatch:DescribeAlarms",
  "cloudwatch:ListTagsForResource",
  "cloudwatch:PutMetricAlarm",
  "cloudwatch:TagResource",
  "cloudwatch:UntagResource",
];
/** Telemetry delivery (packages/telemetry-parser): the stream, the devices' policy, the catalog. */
const DELIVERY_STREAM_ACTIONS = [
  "firehose:CreateDeliveryStream",
  "firehose:DeleteDeliveryStream",
  "firehose:DescribeDeliveryStream",
  "firehose:ListTagsForDeliveryStream",
  "firehose:StartDeliveryStreamEncryption",
  "firehose:StopDeliveryStreamEncryption",
  "firehose:TagDeliveryStream",
  "firehose:UntagDeliveryStream",
  "firehose:UpdateDestination",
];
/** IoT topic rules (telemetry into Firehose, failures into retry-workflow's queue); a rule's name allows no hyphen. */
const TOPIC_RULE_ACTIONS = [
  "iot:CreateTopicRule",
  "iot:DeleteTopicRule",
  "iot:GetTopicRule",
  "iot:ListTagsForResource",
  "iot:ReplaceTopicRule",
  "iot:TagResource",
  "iot:UntagResource",
];
const IOT_POLICY_ACTIONS = [
  "iot:CreatePolicy",
  "iot:CreatePolicyVersion",
  "iot:DeletePolicy",
  "iot:DeletePolicyVersion",
  "iot:GetPolicy",
  "iot:ListPolicyVersions",
  "iot:ListTagsForResource",
  "iot:TagResource",
  "iot:UntagResource",
];
const CATALOG_ACTIONS = [
  "glue:CreateDatabase",
  "glue:CreateTable",
  "glue:DeleteDatabase",
  "glue:DeleteTable",
  "glue:GetDatabase",
  "glue:GetTable",
  "glue:GetTags",
  "glue:TagResource",
  "glue:UntagResource",
  "glue:UpdateDatabase",
  "glue:UpdateTable",
];
const LOG_STREAM_ACTIONS = ["logs:CreateLogStream", "logs:DeleteLogStream", "logs:DescribeLogStreams"];
/** A function's event source mapping (an SQS queue feeding it), on the environment's functions only. */
const EVENT_SOURCE_MAPPING_ACTIONS = [
  "lambda:DeleteEventSourceMapping",
  "lambda:GetEventSourceMapping",
  "lambda:ListTags",
  "lambda:TagResource",
  "lambda:UntagResource",
  "lambda:UpdateEventSourceMapping",
];
/** The schedule that runs ota-deploy's deployer (EventBridge Scheduler, the account's default group). */
const SCHEDULE_ACTIONS = [
  "scheduler:CreateSchedule",
  "scheduler:DeleteSchedule",
  "scheduler:GetSchedule",
  "scheduler:UpdateSchedule",
];
/** Nothing the fleet deploys may loosen or delete the state bucket, even in the account that holds it. */
const STATE_BUCKET_GUARDED_ACTIONS = [
  "s3:DeleteBucket",
  "s3:DeleteBucketOwnershipControls",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketAcl",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketPolicy",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketTagging",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
];
/**
 * Asymmetric keys that sign firmware (ota-deploy): a KMS key has no name, so the environment's keys are those
 * tagged `fleet-signing: <prefix>…` - created only with that tag, managed only while they carry it.
 */
const SIGNING_KEY_TAG = "fleet-signing";
const SIGNING_KEY_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:EnableKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:GetPublicKey",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
];
/** The program reads the account's IoT data endpoint (aws.iot.getEndpoint); IoT defines no resource type for it. */
const ENDPOINT_LOOKUP = ["iot:DescribeEndpoint"];

/** The roles the fleet program creates in `environment`: everything under its workload path. */
export const workloadRoles = (scope: AwsScope, environment: string) =>
  `arn:${scope.partition}:iam::${scope.accountId}:role${workloadRolePath(environment)}*`;

export function deployRoleStatements({
  scope,
  environment,
  state,
  secretsKeyArn,
}: CiRoleContext): PolicyStatement[] {
  const roles = workloadRoles(scope, environment);
  const boundary = workloadBoundaryArn(scope.partition, scope.accountId, environment);
  const withBoundary = { StringEquals: { "iam:PermissionsBoundary": boundary } };
  // Every name the fleet program gives a resource of this environment starts with it.
  const prefix = resourceNamePrefix(environment);
  const logGroups = (path: string) => regionalArn(scope, "logs", `log-group:${path}${prefix}*`);
  return [
    ...stateStatements(state, environment, "deploy"),
    ...secretsKeyStatements(secretsKeyArn, "deploy"),
    allow(
      WORKLOAD_ROLE_ACTIONS.filter((action) => !BOUNDED_ROLE_ACTIONS.includes(action)),
      [roles],
    ),
    { ...allow(BOUNDED_ROLE_ACTIONS, [roles]), Condition: withBoundary },
    {
      ...allow(["iam:PassRole"], [roles]),
      Condition: {
        StringEquals: {
          "iam:PassedToService": [
            "firehose.amazonaws.com",
            "iot.amazonaws.com",
            "lambda.amazonaws.com",
            "scheduler.amazonaws.com",
            "states.amazonaws.com",
          ],
        },
      },
    },
    { Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"], Resource: [roles] },
    {
      Effect: "Deny",
      Action: ["iam:PutRolePermissionsBoundary"],
      Resource: [roles],
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundary } },
    },
    { Effect: "Deny", Action: BOUNDARY_POLICY_CHANGES, Resource: [boundary] },
    allow(FUNCTION_ACTIONS, [regionalArn(scope, "lambda", `function:${prefix}*`)]),
    allow(LOG_GROUP_ACTIONS, [
      logGroups("/aws/lambda/"),
      logGroups("/aws/vendedlogs/states/"),
      logGroups("/aws/kinesisfirehose/"),
    ]),
    allow(LOG_STREAM_ACTIONS, [`${logGroups("/aws/kinesisfirehose/")}:log-stream:*`]),
    allow(DELIVERY_STREAM_ACTIONS, [regionalArn(scope, "firehose", `deliverystream/${prefix}*`)]),
    // Topic rule and Glue names take no hyphens: the prefix with underscores (fleet_<env>_).
    allow(TOPIC_RULE_ACTIONS, [regionalArn(scope, "iot", `rule/${prefix.replaceAll("-", "_")}*`)]),
    allow(IOT_POLICY_ACTIONS, [regionalArn(scope, "iot", `policy/${prefix}*`)]),
    allow(CATALOG_ACTIONS, [
      regionalArn(scope, "glue", "catalog"),
      regionalArn(scope, "glue", `database/${prefix.replaceAll("-", "_")}*`),
      regionalArn(scope, "glue", `table/${prefix.replaceAll("-", "_")}*/*`),
    ]),
    // CreateEventSourceMapping has no resource type: the function it feeds is its condition.
    {
      ...allowWithoutResourceType(["lambda:CreateEventSourceMapping"], scope),
      Condition: {
        StringEquals: { "aws:RequestedRegion": scope.region },
        ArnLike: { "lambda:FunctionArn": regionalArn(scope, "lambda", `function:${prefix}*`) },
      },
    },
    {
      ...allow(EVENT_SOURCE_MAPPING_ACTIONS, [regionalArn(scope, "lambda", "event-source-mapping:*")]),
      Condition: { ArnLike: { "lambda:FunctionArn": regionalArn(scope, "lambda", `function:${prefix}*`) } },
    },
    allow(["logs:DescribeLogGroups"], [regionalArn(scope, "logs", "log-group:*")]),
    allowWithoutResourceType(LOG_DELIVERY_ACTIONS, scope),
    allow(STATE_MACHINE_ACTIONS, [regionalArn(scope, "states", `stateMachine:${prefix}*`)]),
    allow(SCHEDULE_ACTIONS, [regionalArn(scope, "scheduler", `schedule/default/${prefix}*`)]),
    // Subscriptions are managed through their topic: the alert topic, named with the prefix as every topic is.
    allow(TOPIC_ACTIONS, [regionalArn(scope, "sns", `${prefix}*`)]),
    allow(ALARM_ACTIONS, [regionalArn(scope, "cloudwatch", `alarm:${prefix}*`)]),
    allow(DASHBOARD_ACTIONS, [`arn:${scope.partition}:cloudwatch::${scope.accountId}:dashboard/${prefix}*`]),
    // The buckets, tables, topics and queues packages own (and the alert topic), each kind's actions.
    ...deployRoleKindStatements(scope, prefix),
    {
      Effect: "Deny",
      Action: STATE_BUCKET_GUARDED_ACTIONS,
      Resource: [`arn:${scope.partition}:s3:::${state.bucket}`],
    },
    allowWithoutResourceType(ENDPOINT_LOOKUP, scope),
    {
      ...allow(SIGNING_KEY_ACTIONS, [regionalArn(scope, "kms", "key/*")]),
      Condition: { StringLike: { [`aws:ResourceTag/${SIGNING_KEY_TAG}`]: `${prefix}*` } },
    },
    {
      ...allowWithoutResourceType(["kms:CreateKey"], scope),
      Condition: {
        StringEquals: { "aws:RequestedRegion": scope.region },
        StringLike: { [`aws:RequestTag/${SIGNING_KEY_TAG}`]: `${prefix}*` },
      },
    },
    // Tagging a key while creating it: the key carries no tag yet, the request does.
    {
      ...allow(["kms:TagResource"], [regionalArn(scope, "kms", "key/*")]),
      Condition: { StringLike: { [`aws:RequestTag/${SIGNING_KEY_TAG}`]: `${prefix}*` } },
    },
  ];
}

export function previewRoleStatements({
  scope,
  environment,
  state,
  secretsKeyArn,
}: CiRoleContext): PolicyStatement[] {
  return [
    ...stateStatements(state, environment, "preview"),
    ...secretsKeyStatements(secretsKeyArn, "preview"),
    allowWithoutResourceType(ENDPOINT_LOOKUP, scope),
  ];
}
