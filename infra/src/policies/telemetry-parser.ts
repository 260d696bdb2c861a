// Least privilege for the telemetry pipeline, as pure builders: the transformation calls no AWS API (Firehose
// hands it the batch and takes its answer), the topic rule only puts records into its delivery stream (and its
// failures into the data bucket), Firehose only writes its two buckets, invokes the transformation and logs to
// its own log group; a device connects only as its own thing and publishes only under its own topic.
import { RULE_ERRORS_PREFIX } from "@fleet/telemetry-parser/pipeline";
import {
  type AwsScope,
  allow,
  type PermissionContext,
  type PolicyDocument,
  type PolicyStatement,
  policyDocument,
  regionalArn,
} from "./document";

/** The transformation's statements: none beyond writing its own logs (NodeLambda adds those). */
export const TELEMETRY_PARSER_PERMISSIONS: Record<string, (context: PermissionContext) => PolicyStatement[]> =
  {
    transform: () => [],
  };

/** The topic rules' role: records into the one delivery stream, failed and refused messages under rule-errors/. */
export const topicRuleStatements = (deliveryStreamArn: string, dataBucketArn: string): PolicyStatement[] => [
  allow(["firehose:PutRecord", "firehose:PutRecordBatch"], [deliveryStreamArn]),
  allow(["s3:PutObject"], [`${dataBucketArn}/${RULE_ERRORS_PREFIX}*`]),
];

export interface DeliveryGrants {
  dataBucketArn: string;
  rawBucketArn: string;
  functionArn: string;
  logGroupArn: string;
}

/** Firehose's role, as its developer guide lists it for an S3 destination with a Lambda processor. */
export const deliveryStatements = ({
  dataBucketArn,
  rawBucketArn,
  functionArn,
  logGroupArn,
}: DeliveryGrants): PolicyStatement[] => [
  allow(
    ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
    [dataBucketArn, rawBucketArn],
  ),
  allow(
    ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
    [`${dataBucketArn}/*`, `${rawBucketArn}/*`],
  ),
  allow(["lambda:GetFunctionConfiguration", "lambda:InvokeFunction"], [functionArn]),
  allow(["logs:PutLogEvents"], [`${logGroupArn}:log-stream:*`]),
];

/**
 * A device's policy: it connects only with its thing name as client id, and only while a certificate attached
 * to that thing is used; it publishes only under `<topic>/<its thing name>` and below.
 */
export function devicePolicy(scope: AwsScope, topic: string): PolicyDocument {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable, resolved by AWS IoT per connection.
  const thing = "${iot:Connection.Thing.ThingName}";
  return policyDocument([
    {
      Effect: "Allow",
      Action: ["iot:Connect"],
      Resource: [regionalArn(scope, "iot", `client/${thing}`)],
      Condition: { Bool: { "iot:Connection.Thing.IsAttached": "true" } },
    },
    {
      Effect: "Allow",
      Action: ["iot:Publish"],
      Resource: [
        regionalArn(scope, "iot", `topic/${topic}/${thing}`),
        regionalArn(scope, "iot", `topic/${topic}/${thing}/*`),
      ],
    },
  ]);
}
