// One Lambda function from a package's manifest and the bundle turbo built for it: its own role with exactly
// the statements it is given (plus writing its own logs), a log group with retention created first, arm64.

import { existsSync } from "node:fs";
import path from "node:path";
import { BUNDLE_ENTRY_FILE } from "@fleet/bundle/locate";
import type { LambdaHandlerSpec } from "@fleet/manifest";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { missingRequired } from "../handler-env";
import { type PolicyStatement, policyDocument, serviceTrustPolicy } from "../policies/document";
import { lambdaPlatformStatements } from "../policies/platform";
import { countAlarm } from "./alarm";
import { generatedNameProblem } from "./generated-names";
import { retentionProblem } from "./log-retention";

const LAMBDA_RUNTIME = aws.lambda.Runtime.NodeJS22dX;
const LAMBDA_ARCHITECTURE = "arm64";

/** The stack's metrics namespace: every handler publishes its Powertools metrics there. */
export const stackMetricsNamespace = (): string => `Fleet/${pulumi.getStack()}`;

/**
 * What every function gets besides its declared variables: the stack's metrics namespace (defineHandler
 * publishes EMF there), and source-mapped stack traces when the bundle was built with a map
 * (BUNDLE_SOURCEMAP=1); a map-less bundle skips the option's cost at cold start.
 */
const platformEnv = (bundleDir: string): Record<string, string> => ({
  POWERTOOLS_METRICS_NAMESPACE: stackMetricsNamespace(),
  ...(existsSync(path.join(bundleDir, `${BUNDLE_ENTRY_FILE}.map`))
    ? { NODE_OPTIONS: "--enable-source-maps" }
    : {}),
});

export interface NodeLambdaArgs {
  /** The handler's entry in its package's manifest: description, memory, timeout, the variables it reads. */
  spec: LambdaHandlerSpec;
  /** Absolute path of the handler's bundle folder (`index.mjs`, and its source map when built with one), from `locateBundle`. */
  bundleDir: string;
  /** Everything the function may do besides writing its own logs; nothing else is granted. */
  statements: pulumi.Input<PolicyStatement[]>;
  /** Exactly the variables the spec declares (see handlerEnvironment). */
  environment: Record<string, pulumi.Input<string>>;
  logRetentionDays: number;
  /** Active X-Ray tracing (default true): a call to a throttled AWS API shows up in the trace. */
  tracing?: boolean;
  /** Topic the function's error alarm notifies; no alarm without it. */
  alarmTopicArn?: pulumi.Input<string>;
}

export class NodeLambda extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly arn: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;

  constructor(name: string, args: NodeLambdaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:NodeLambda", name, {}, opts);
    validateArgs(name, args);
    const tracing = args.tracing ?? true;
    const parent = { parent: this };

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { namePrefix: `/aws/lambda/${name}-`, retentionInDays: args.logRetentionDays },
      parent,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("lambda.amazonaws.com")) },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([args.statements, this.logGroup.arn, awsScope(this)])
          .apply(([statements, logGroupArn, scope]) =>
            JSON.stringify(
              policyDocument([...statements, ...lambdaPlatformStatements(logGroupArn, tracing, scope)]),
            ),
          ),
      },
      parent,
    );

    this.function = new aws.lambda.Function(
      name,
      {
        description: args.spec.description.slice(0, 256),
        runtime: LAMBDA_RUNTIME,
        architectures: [LAMBDA_ARCHITECTURE],
        handler: "index.handler",
        code: new pulumi.asset.FileArchive(args.bundleDir),
        memorySize: args.spec.memoryMb,
        timeout: args.spec.timeoutSeconds,
        role: this.role.arn,
        environment: { variables: { ...args.environment, ...platformEnv(args.bundleDir) } },
        loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
        tracingConfig: { mode: tracing ? "Active" : "PassThrough" },
      },
      // The policy must be attached before the first invocation can log or call anything.
      { parent: this, dependsOn: [policy, this.logGroup] },
    );
    this.arn = this.function.arn;
    this.functionName = this.function.name;

    if (args.alarmTopicArn !== undefined) {
      countAlarm(
        `${name}-errors`,
        {
          namespace: "AWS/Lambda",
          metricName: "Errors",
          dimensions: { FunctionName: this.function.name },
          description: `${name} failed`,
          topicArn: args.alarmTopicArn,
        },
        parent,
      );
    }

    this.registerOutputs({ arn: this.arn, functionName: this.functionName });
  }
}

function validateArgs(name: string, args: NodeLambdaArgs): void {
  const { spec } = args;
  const problems: string[] = [];
  if (!Number.isInteger(spec.memoryMb) || spec.memoryMb < 128 || spec.memoryMb > 10_240) {
    problems.push(`memoryMb must be an integer from 128 to 10240, got ${spec.memoryMb}`);
  }
  if (!Number.isInteger(spec.timeoutSeconds) || spec.timeoutSeconds < 1 || spec.timeoutSeconds > 900) {
    problems.push(`timeoutSeconds must be an integer from 1 to 900, got ${spec.timeoutSeconds}`);
  }
  const retention = retentionProblem(args.logRetentionDays);
  if (retention) problems.push(retention);
  for (const problem of [
    generatedNameProblem(name, "function", 64),
    generatedNameProblem(`${name}-role`, "role", 64),
  ]) {
    if (problem) problems.push(problem);
  }
  const missing = missingRequired(spec, args.environment);
  if (missing.length > 0) problems.push(`required environment variables not set: ${missing.join(", ")}`);
  const undeclared = Object.keys(args.environment).filter((variable) => !(variable in spec.env));
  if (undeclared.length > 0)
    problems.push(`environment variables the handler does not read: ${undeclared.join(", ")}`);
  if (problems.length > 0) throw new Error(`NodeLambda ${name}: ${problems.join("; ")}`);
}
