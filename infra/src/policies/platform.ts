// What a function or state machine needs besides its own work. Each `*` here is an action for which the
// Service Authorization Reference defines no resource type.
import {
  type AwsScope,
  allow,
  allowWithoutResourceType,
  type PolicyStatement,
  regionalArn,
} from "./document";

const XRAY_WRITE = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

/** A function writes only to its own log group, and to X-Ray when traced. */
export function lambdaPlatformStatements(
  logGroupArn: string,
  tracing: boolean,
  scope: AwsScope,
): PolicyStatement[] {
  return [
    allow(["logs:CreateLogStream", "logs:PutLogEvents"], [`${logGroupArn}:log-stream:*`]),
    ...(tracing ? [allowWithoutResourceType(XRAY_WRITE, scope)] : []),
  ];
}

/** A state machine invokes exactly its own functions, delivers its logs through CloudWatch, and traces. */
export function stateMachineStatements(
  functionArns: string[],
  tracing: boolean,
  scope: AwsScope,
): PolicyStatement[] {
  if (functionArns.length === 0)
    throw new Error("a state machine role needs at least one function to invoke");
  return [
    allow(["lambda:InvokeFunction"], [...functionArns].sort()),
    // Step Functions writes its logs through CloudWatch Logs "vended" log deliveries.
    allowWithoutResourceType(
      [
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
      ],
      scope,
    ),
    allow(["logs:DescribeLogGroups"], [regionalArn(scope, "logs", "log-group:*")]),
    ...(tracing
      ? [allowWithoutResourceType([...XRAY_WRITE, "xray:GetSamplingRules", "xray:GetSamplingTargets"], scope)]
      : []),
  ];
}
