// The permissions boundary of every role the fleet program creates in one environment: the most any of them may
// ever do, whatever inline policy its deploy role writes. The deploy role may create roles and write their
// policies only with this boundary set (ci-roles.ts), so a role it creates can never be more than a fleet
// workload - not an administrator, not a reader of other teams' buckets in a shared account. Each statement
// covers one kind of work the fleet's handlers and state machines do, on the resources the fleet names
// (`fleet-<env>-…`) wherever the resource type allows it; a grant of the fleet program outside these fails its
// tests (tests/support/deployment-checks.ts) until the boundary allows it, deliberately, here.

import { WILDCARD_RESOURCE_ACTIONS } from "@fleet/policy/iam";
import {
  type AwsScope,
  allow,
  allowWithoutResourceType,
  type PolicyStatement,
  regionalArn,
} from "../../../src/policies/document";
import { workloadKindStatements } from "../../../src/resource-kinds";
import { resourceNamePrefix, workloadRolePath } from "../naming";

/** Device work: any device (its shadow, its group memberships, a job's targets), the fleet's groups and jobs. */
const IOT_ACTIONS = [
  "iot:AddThingToThingGroup",
  "iot:CancelJob",
  "iot:CreateDynamicThingGroup",
  "iot:CreateJob",
  "iot:CreateThing",
  "iot:CreateStream",
  "iot:CreateThingGroup",
  "iot:DeleteDynamicThingGroup",
  "iot:DeleteJob",
  "iot:DeleteStream",
  "iot:DeleteThing",
  "iot:DeleteThingGroup",
  "iot:DescribeIndex",
  "iot:DescribeJob",
  "iot:DescribeJobExecution",
  "iot:DescribeStream",
  "iot:DescribeThing",
  "iot:DescribeThingGroup",
  "iot:GetJobDocument",
  "iot:GetThingShadow",
  "iot:ListJobExecutionsForJob",
  "iot:ListThingsInThingGroup",
  "iot:RemoveThingFromThingGroup",
  "iot:SearchIndex",
  "iot:UpdateThing",
  "iot:UpdateThingShadow",
];
/**
 * Actions whose service defines no resource type, allowed on `*` in the environment's region only: the policy
 * pack's list, so that the boundary and the pack cannot disagree (the data endpoint lookup, key creation and
 * creating event source mappings are the deploy role's).
 */
const DEPLOY_ROLE_ONLY = ["iot:DescribeEndpoint", "kms:CreateKey", "lambda:CreateEventSourceMapping"];
const WITHOUT_RESOURCE_TYPE = Object.keys(WILDCARD_RESOURCE_ACTIONS)
  .filter((action) => !DEPLOY_ROLE_ONLY.includes(action))
  .sort();
const EXECUTION_ACTIONS = [
  "states:DescribeExecution",
  "states:ListExecutions",
  "states:StartExecution",
  "states:StopExecution",
];

export function workloadBoundaryStatements(scope: AwsScope, environment: string): PolicyStatement[] {
  const prefix = resourceNamePrefix(environment);
  const arn = (service: string, resource: string) => regionalArn(scope, service, resource);
  return [
    allow(IOT_ACTIONS, [
      arn("iot", "thing/*"),
      arn("iot", `thinggroup/${prefix}*`),
      arn("iot", `job/${prefix}*`),
      arn("iot", `stream/${prefix}*`),
      arn("iot", "index/AWS_Things"),
    ]),
    // Firmware signing: only with the environment's signing keys (tagged by the component that creates them).
    {
      ...allow(["kms:Sign"], [arn("kms", "key/*")]),
      Condition: { StringLike: { "aws:ResourceTag/fleet-signing": `${prefix}*` } },
    },
    // IoT reads firmware for OTA streams as a role of the environment, which handlers pass to it.
    {
      ...allow(
        ["iam:PassRole"],
        [`arn:${scope.partition}:iam::${scope.accountId}:role${workloadRolePath(environment)}${prefix}*`],
      ),
      Condition: { StringEquals: { "iam:PassedToService": "iot.amazonaws.com" } },
    },
    allowWithoutResourceType(WITHOUT_RESOURCE_TYPE, scope),
    allow(EXECUTION_ACTIONS, [
      arn("states", `stateMachine:${prefix}*`),
      arn("states", `execution:${prefix}*`),
    ]),
    // Firehose reads its processor's configuration before invoking it.
    allow(
      ["lambda:GetFunctionConfiguration", "lambda:InvokeFunction"],
      [arn("lambda", `function:${prefix}*`)],
    ),
    // Telemetry delivery: a topic rule puts records into the fleet's streams; Firehose writes the fleet's
    // buckets (multipart uploads included) and its delivery errors to its own log groups.
    allow(["firehose:PutRecord", "firehose:PutRecordBatch"], [arn("firehose", `deliverystream/${prefix}*`)]),
    allow(
      ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
      [`arn:${scope.partition}:s3:::${prefix}*`],
    ),
    allow(["s3:AbortMultipartUpload"], [`arn:${scope.partition}:s3:::${prefix}*/*`]),
    allow(["logs:PutLogEvents"], [arn("logs", `log-group:/aws/kinesisfirehose/${prefix}*`)]),
    // A function writes its own log group's streams; Step Functions' log delivery looks groups up.
    allow(["logs:CreateLogStream", "logs:PutLogEvents"], [arn("logs", `log-group:/aws/lambda/${prefix}*`)]),
    allow(["logs:DescribeLogGroups"], [arn("logs", "log-group:*")]),
    // ota-deploy's round alarms: created (with tags), read and deleted by its handlers, on the fleet's alarms.
    allow(
      [
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:TagResource",
      ],
      [arn("cloudwatch", `alarm:${prefix}*`)],
    ),
    // The buckets, tables, topics and queues packages own: what the kinds table says a workload may do with each.
    ...workloadKindStatements(scope, prefix),
  ];
}
