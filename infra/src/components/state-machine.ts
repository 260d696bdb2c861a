// A Step Functions state machine from a package's definition: placeholders replaced by the ARNs of the
// package's functions, a role that may invoke only those, logs with retention, tracing, failure alarms.

import { referencedHandlers, type StateMachineSpec, substituteFunctionArns } from "@fleet/manifest";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { policyDocument, regionalArn, serviceTrustPolicy } from "../policies/document";
import { stateMachineStatements } from "../policies/platform";
import { countAlarm } from "./alarm";
import { generatedNameProblem } from "./generated-names";
import { retentionProblem } from "./log-retention";
import type { NodeLambda } from "./node-lambda";

export interface WorkflowArgs {
  spec: StateMachineSpec;
  /** The functions the definition may refer to, by handler name. */
  functions: Record<string, NodeLambda>;
  logRetentionDays: number;
  /** Topic notified when an execution fails or times out; no alarms without it. */
  alarmTopicArn?: pulumi.Input<string>;
}

export class Workflow extends pulumi.ComponentResource {
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: WorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:Workflow", name, {}, opts);
    const referenced = referencedHandlers(args.spec.definition);
    const problems = referenced
      .filter((handler) => !(handler in args.functions))
      .map((handler) => `no function for \${${handler}}`);
    if (referenced.length === 0) problems.push("the definition refers to no function");
    const retention = retentionProblem(args.logRetentionDays);
    if (retention) problems.push(retention);
    for (const problem of [
      generatedNameProblem(name, "state machine", 80),
      generatedNameProblem(`${name}-role`, "role", 64),
    ]) {
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) throw new Error(`Workflow ${name}: ${problems.join("; ")}`);
    const parent = { parent: this };
    const scope = awsScope(this);
    // Every referenced handler has a function: checked above.
    const functionArns = pulumi.all(
      Object.fromEntries(
        referenced.flatMap((handler) => {
          const fn = args.functions[handler];
          return fn ? [[handler, fn.arn]] : [];
        }),
      ),
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      // The /aws/vendedlogs/ prefix keeps CloudWatch's log resource policy from growing with each state machine.
      { namePrefix: `/aws/vendedlogs/states/${name}-`, retentionInDays: args.logRetentionDays },
      parent,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: scope.apply((s) =>
          JSON.stringify(
            serviceTrustPolicy("states.amazonaws.com", {
              StringEquals: { "aws:SourceAccount": s.accountId },
              ArnLike: { "aws:SourceArn": regionalArn(s, "states", "stateMachine:*") },
            }),
          ),
        ),
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([functionArns, scope])
          .apply(([arns, s]) =>
            JSON.stringify(policyDocument(stateMachineStatements(Object.values(arns), true, s))),
          ),
      },
      parent,
    );

    this.stateMachine = new aws.sfn.StateMachine(
      name,
      {
        type: "STANDARD",
        roleArn: role.arn,
        definition: functionArns.apply((arns) =>
          JSON.stringify(substituteFunctionArns(args.spec.definition, arns)),
        ),
        loggingConfiguration: {
          level: "ERROR",
          includeExecutionData: true,
          logDestination: pulumi.interpolate`${logGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: true },
      },
      // Creation validates the role's permissions, so the policy must be in place first.
      { parent: this, dependsOn: [policy] },
    );
    this.arn = this.stateMachine.arn;

    if (args.alarmTopicArn !== undefined) {
      for (const [suffix, metricName] of [
        ["failed", "ExecutionsFailed"],
        ["timed-out", "ExecutionsTimedOut"],
      ] as const) {
        countAlarm(
          `${name}-${suffix}`,
          {
            namespace: "AWS/States",
            metricName,
            dimensions: { StateMachineArn: this.stateMachine.arn },
            description: `${name}: an execution ${suffix.replace("-", " ")}`,
            topicArn: args.alarmTopicArn,
          },
          parent,
        );
      }
    }

    this.registerOutputs({ arn: this.arn });
  }
}
