// Least privilege for each ota-deploy handler, derived from the AWS calls its code makes. IoT resource types
// (Service Authorization Reference, "AWS IoT"): thing, thinggroup, job, stream. Jobs, streams and thing groups
// (those the tools fill and those a deployment targets) carry the stack's group prefix; CreateJob names its
// targets (any device), DescribeThing checks named targets exist. The firmware bucket is the package's own.
// Two ARNs are not package resources: the OTA role IoT assumes for streams and presigned URLs (its name is fixed
// by the component, so it is built here from the scope) and the signing key (a KMS key's ARN is a generated id:
// kms:Sign is allowed only on keys carrying the stack's signing tag, which the component sets on its key). Round
// alarms are named with their own prefix, which none of the stack's other alarms matches; the alarm topics and
// the force stopper's failures queue is the package's.
import { FORCE_STOP_FAILURES, JOB_EVENTS_QUEUE } from "@fleet/ota-deploy";
import {
  type AwsScope,
  allow,
  allowWithoutResourceType,
  arnOf,
  executionsOf,
  type PermissionContext,
  type PolicyDocument,
  type PolicyStatement,
  policyDocument,
  regionalArn,
} from "./document";
import { iotResources } from "./iot-naming";

const FIRMWARE = "firmware";
const SCHEDULE = "schedule";

export interface OtaDeployNames {
  /** The OTA role's IAM path and name. */
  otaRolePath: string;
  otaRoleName: string;
  /** The tag key and value on the stack's signing key. */
  signingTag: { key: string; value: string };
  /** How the round alarms' names start (ALARM_NAME_PREFIX): `<baseName>-round-alarm-`. */
  alarmPrefix: string;
  /** `<namePrefix><component>`: the alarm topics are `<baseName>-<topic>`. */
  baseName: string;
}

/** Round alarms: `<baseName>-round-alarm-<round job id>-<owner>-<alarm>`; no handler or other alarm is named so. */
export const roundAlarmPrefix = (baseName: string) => `${baseName}-round-alarm-`;

const iot = (context: PermissionContext) => iotResources(context.scope, context.iot);
const streams = (context: PermissionContext) =>
  regionalArn(context.scope, "iot", `stream/${context.iot.groupNamePrefix}*`);
const objects = (context: PermissionContext, prefix = "") => `${arnOf(context, FIRMWARE)}/${prefix}*`;
/** Reads at a pinned version; ListBucket so that a missing key is a 404, not a 403. */
const readFirmware = (context: PermissionContext): PolicyStatement[] => [
  allow(["s3:GetObject", "s3:GetObjectVersion"], [objects(context)]),
  allow(["s3:ListBucket"], [arnOf(context, FIRMWARE)]),
];

export function otaDeployPermissions(
  names: OtaDeployNames,
): Record<string, (context: PermissionContext) => PolicyStatement[]> {
  const alarms = (context: PermissionContext) =>
    regionalArn(context.scope, "cloudwatch", `alarm:${names.alarmPrefix}*`);
  // The component's topics, named `<baseName>-<topic>`.
  const topic = (context: PermissionContext, name: string) =>
    regionalArn(context.scope, "sns", `${names.baseName}-${name}`);
  const otaRole = (context: PermissionContext) =>
    `arn:${context.scope.partition}:iam::${context.scope.accountId}:role${names.otaRolePath}${names.otaRoleName}`;
  return {
    release: (context) => [
      ...readFirmware(context),
      // The hashes the uploader tagged the object with.
      allow(["s3:GetObjectTagging", "s3:GetObjectVersionTagging"], [objects(context)]),
      // The release record, written once, and its stream file id claim.
      allow(["s3:PutObject"], [objects(context, "releases/"), objects(context, "file-ids/")]),
      {
        ...allow(["kms:Sign"], [regionalArn(context.scope, "kms", "key/*")]),
        Condition: { StringEquals: { [`aws:ResourceTag/${names.signingTag.key}`]: names.signingTag.value } },
      },
    ],
    "plan-deployment": (context) => [
      ...readFirmware(context),
      // A list of more than 100 targets, for the group fill.
      allow(["s3:PutObject"], [objects(context, "deployments/")]),
      allow(["iot:DescribeThing"], [iot(context).anyThing]),
      allow(["iot:DescribeThingGroup"], [iot(context).groups]),
    ],
    "fill-target-group": (context) => [
      allow(
        [
          "iot:CreateThingGroup",
          "iot:DescribeThingGroup",
          "iot:ListThingsInThingGroup",
          "iot:DeleteThingGroup",
        ],
        [iot(context).groups],
      ),
      allow(["iot:AddThingToThingGroup"], [iot(context).anyThing, iot(context).groups]),
      ...readFirmware(context),
      allowWithoutResourceType(["servicequotas:GetServiceQuota"], context.scope),
    ],
    "deploy-round": (context) => [
      allow(["iot:CreateStream", "iot:DescribeStream"], [streams(context)]),
      allow(["iot:CreateJob"], [iot(context).jobs, iot(context).anyThing, iot(context).groups]),
      allow(["iot:DescribeJob"], [iot(context).jobs]),
      allow(["iot:DescribeThingGroup"], [iot(context).groups]),
      // The round's alarms, created with their tags (PutMetricAlarm with Tags needs TagResource).
      allow(["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"], [alarms(context)]),
      // IoT reads the firmware for the stream (and presigned URLs) as the OTA role.
      {
        ...allow(["iam:PassRole"], [otaRole(context)]),
        Condition: { StringEquals: { "iam:PassedToService": "iot.amazonaws.com" } },
      },
    ],
    "round-status": (context) => [
      allow(["iot:DescribeJob", "iot:ListJobExecutionsForJob"], [iot(context).jobs]),
      allow(["iot:DescribeJobExecution"], [iot(context).jobs, iot(context).anyThing]),
    ],
    // Consuming the rules' queue through its event source mapping; its metrics leave as EMF lines in its own log
    // (CloudWatch Logs makes them metrics).
    "job-metrics": (context) => [
      allow(
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
        [arnOf(context, JOB_EVENTS_QUEUE)],
      ),
    ],
    status: (context) => [
      allow(["iot:DescribeJob", "iot:ListJobExecutionsForJob"], [iot(context).jobs]),
      allow(["iot:DescribeJobExecution"], [iot(context).jobs, iot(context).anyThing]),
    ],
    // The deployment is checked as plan-deployment checks it (reads and Describe*), then queued.
    "add-schedule": (context) => [
      ...readFirmware(context),
      allow(["iot:DescribeThing"], [iot(context).anyThing]),
      allow(["iot:DescribeThingGroup"], [iot(context).groups]),
      allow(["dynamodb:PutItem"], [arnOf(context, SCHEDULE)]),
    ],
    "list-schedule": (context) => [allow(["dynamodb:Query"], [arnOf(context, SCHEDULE)])],
    deployer: (context) => {
      const deploy = arnOf(context, "deploy");
      return [
        // Queries by status; a claim or settlement is a transaction of a delete and a put, a re-drive an update.
        allow(
          ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"],
          [arnOf(context, SCHEDULE)],
        ),
        // One execution per deployment, named by its id; a taken name is described for its start time.
        // Its running executions, counted each run (the RolloutsInProgress gauge).
        allow(["states:StartExecution", "states:ListExecutions"], [deploy]),
        allow(["states:DescribeExecution"], [executionsOf(deploy)]),
      ];
    },
    "clean-up": (context) => [
      allow(["cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"], [alarms(context)]),
      allow(["iot:DescribeJob", "iot:CancelJob", "iot:DeleteJob"], [iot(context).jobs]),
      allow(["iot:DescribeStream", "iot:DeleteStream"], [streams(context)]),
      // The deployment's own target group and the target list plan wrote.
      allow(["iot:DescribeThingGroup", "iot:DeleteThingGroup"], [iot(context).groups]),
      allow(["s3:DeleteObject"], [objects(context, "deployments/")]),
    ],
    "force-stopper": (context) => [
      allow(["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"], [alarms(context)]),
      allow(["iot:DescribeJob", "iot:CancelJob"], [iot(context).jobs]),
      allow(["sns:Publish"], [topic(context, "email-notification")]),
      // Lambda sends an invocation that failed every retry here (its on-failure destination) as this role.
      allow(["sqs:SendMessage"], [arnOf(context, FORCE_STOP_FAILURES)]),
    ],
  };
}

/**
 * The ota-force-stopper topic's policy: CloudWatch may publish for this account's round alarms only, and nobody
 * else may publish at all (a publish that does not come from such an alarm is denied, whatever the publisher's
 * own policy allows), so a message made by hand can never stop a job. The account keeps administering the topic
 * (as the default topic policy lets it), so Pulumi still manages it.
 */
export function forceStopTopicPolicy(scope: AwsScope, topicArn: string, alarmPrefix: string): PolicyDocument {
  const roundAlarms = regionalArn(scope, "cloudwatch", `alarm:${alarmPrefix}*`);
  return policyDocument([
    {
      Sid: "ThisAccountAdministers",
      Effect: "Allow",
      Principal: { AWS: `arn:${scope.partition}:iam::${scope.accountId}:root` },
      Action: [
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:AddPermission",
        "sns:RemovePermission",
        "sns:DeleteTopic",
        "sns:Subscribe",
        "sns:ListSubscriptionsByTopic",
      ],
      Resource: [topicArn],
    },
    {
      Sid: "RoundAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["sns:Publish"],
      Resource: [topicArn],
      Condition: {
        StringEquals: { "aws:SourceAccount": scope.accountId },
        ArnLike: { "aws:SourceArn": roundAlarms },
      },
    },
    {
      Sid: "NobodyElsePublishes",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: ["sns:Publish"],
      Resource: [topicArn],
      Condition: { ArnNotLike: { "aws:SourceArn": roundAlarms } },
    },
  ]);
}

/** What IoT may do as the OTA role: read firmware objects (any version) from the stack's firmware bucket. */
export const otaRoleStatements = (firmwareBucketArn: string): PolicyStatement[] => [
  allow(["s3:GetObject", "s3:GetObjectVersion"], [`${firmwareBucketArn}/firmware/*`]),
];

/** What EventBridge Scheduler may do as the schedule's role: invoke the deployer, no other function. */
export const schedulerRoleStatements = (deployerArn: string): PolicyStatement[] => [
  allow(["lambda:InvokeFunction"], [deployerArn]),
];
