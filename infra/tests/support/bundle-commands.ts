// The AWS commands a handler's bundle can send, read from the bundle itself (esbuild keeps each SDK command's
// operation name), and the IAM action each needs: a role that lacks one is denied on AWS, which no mock sees.
import { readFileSync } from "node:fs";

// Commands the SDK's credential providers and S3 Express carry in every bundle; Lambda's role credentials never
// call them. DynamoDB's client carries DescribeEndpoints for endpoint discovery, which is off unless enabled.
const SDK_INTERNAL = new Set([
  "AssumeRole",
  "AssumeRoleWithWebIdentity",
  "CreateToken",
  "GetRoleCredentials",
  "CreateSession",
  "DescribeEndpoints",
]);

// Operation → IAM action(s). An operation missing here fails the test: add it, and grant it where it is sent.
// A transaction needs the action of each write it holds (DynamoDB has no action of its own for it).
const ACTION_OF: Record<string, string | string[]> = {
  AddThingToThingGroup: "iot:AddThingToThingGroup",
  CancelJob: "iot:CancelJob",
  CreateDynamicThingGroup: "iot:CreateDynamicThingGroup",
  CreateJob: "iot:CreateJob",
  CreateStream: "iot:CreateStream",
  DeleteStream: "iot:DeleteStream",
  DescribeJobExecution: "iot:DescribeJobExecution",
  DescribeStream: "iot:DescribeStream",
  ListJobExecutionsForJob: "iot:ListJobExecutionsForJob",
  Sign: "kms:Sign",
  GetObjectTagging: "s3:GetObjectTagging",
  ListObjectsV2: "s3:ListBucket",
  PutObject: "s3:PutObject",
  DeleteObject: "s3:DeleteObject",
  CreateThing: "iot:CreateThing",
  CreateThingGroup: "iot:CreateThingGroup",
  DeleteDynamicThingGroup: "iot:DeleteDynamicThingGroup",
  DeleteJob: "iot:DeleteJob",
  DeleteThing: "iot:DeleteThing",
  DeleteThingGroup: "iot:DeleteThingGroup",
  DescribeEndpoint: "iot:DescribeEndpoint",
  DescribeIndex: "iot:DescribeIndex",
  DescribeJob: "iot:DescribeJob",
  DescribeThing: "iot:DescribeThing",
  DescribeThingGroup: "iot:DescribeThingGroup",
  GetIndexingConfiguration: "iot:GetIndexingConfiguration",
  GetJobDocument: "iot:GetJobDocument",
  GetStatistics: "iot:GetStatistics",
  GetThingShadow: "iot:GetThingShadow",
  ListThings: "iot:ListThings",
  GetServiceQuota: "servicequotas:GetServiceQuota",
  ListThingsInThingGroup: "iot:ListThingsInThingGroup",
  SearchIndex: "iot:SearchIndex",
  UpdateIndexingConfiguration: "iot:UpdateIndexingConfiguration",
  UpdateThingShadow: "iot:UpdateThingShadow",
  PutItem: "dynamodb:PutItem",
  GetItem: "dynamodb:GetItem",
  UpdateItem: "dynamodb:UpdateItem",
  UpdateThing: "iot:UpdateThing",
  RemoveThingFromThingGroup: "iot:RemoveThingFromThingGroup",
  Publish: "sns:Publish",
  SendMessage: "sqs:SendMessage",
  GetObject: "s3:GetObject",
  HeadObject: "s3:GetObject",
  DescribeExecution: "states:DescribeExecution",
  ListExecutions: "states:ListExecutions",
  StartExecution: "states:StartExecution",
  StopExecution: "states:StopExecution",
  PutMetricAlarm: "cloudwatch:PutMetricAlarm",
  DescribeAlarms: "cloudwatch:DescribeAlarms",
  DeleteAlarms: "cloudwatch:DeleteAlarms",
  // CloudWatch's: the only ListTagsForResource a handler sends (the force stopper reads its alarm's tags).
  ListTagsForResource: "cloudwatch:ListTagsForResource",
  Query: "dynamodb:Query",
  TransactWriteItems: ["dynamodb:PutItem", "dynamodb:DeleteItem"],
};

const COMMAND_CLASS = /class extends [\w$]+\([\w$]+,[\w$]+,"([A-Za-z]+)"/g;

/** The operation names of the SDK commands bundled into `file`, SDK internals left out. */
export function bundledOperations(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const operations = new Set([...source.matchAll(COMMAND_CLASS)].map((match) => match[1] as string));
  return [...operations].filter((operation) => !SDK_INTERNAL.has(operation)).sort();
}

/**
 * The IAM actions a function needs for the operations its bundle sends. DescribeEndpoint is sent only when
 * the function has no IOT_DATA_ENDPOINT (shared-aws discovers the data endpoint then).
 */
export function requiredActions(operations: string[], env: Record<string, string>): string[] {
  const unknown = operations.filter((operation) => !(operation in ACTION_OF));
  if (unknown.length > 0)
    throw new Error(`no IAM action known for ${unknown.join(", ")}: add it to ACTION_OF`);
  return operations
    .filter((operation) => operation !== "DescribeEndpoint" || !env.IOT_DATA_ENDPOINT)
    .flatMap((operation) => ACTION_OF[operation] as string | string[]);
}
