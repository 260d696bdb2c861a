// IAM policy documents as plain data: built by pure functions, serialised once, checked by the tests.
import type { IotNaming } from "../deployment";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  /** Absent only in trust policies, where the role itself is the resource. */
  Resource?: string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Where ARNs live: the partition, region and account of the stack's AWS provider. */
export interface AwsScope {
  partition: string;
  region: string;
  accountId: string;
}

/**
 * What a handler's statements may refer to, resolved to plain strings: the stack's scope, the ARNs of exactly
 * the package resources and state machines its manifest says it uses, so that a role can name no other, the
 * names the stack's tools give IoT things, groups and jobs (fleet:deployment.iot), for grants limited to them, and
 * whether the stack has test-fleet tools (without them, no statement creates or deletes things).
 */
export interface PermissionContext {
  scope: AwsScope;
  handler: string;
  /** ARN of each resource or state machine the handler uses, by its name in the manifest. */
  arns: Record<string, string>;
  iot: IotNaming;
  testFleetTools: boolean;
}

/** The ARN of `name`, which the handler's manifest entry must say it uses (through a variable or `uses`). */
export function arnOf(context: PermissionContext, name: string): string {
  const arn = context.arns[name];
  if (!arn) {
    throw new Error(
      `${context.handler}'s statements refer to ${name}, which its manifest entry does not use`,
    );
  }
  return arn;
}

/** The ARN pattern of a state machine's executions: …:stateMachine:<name> → …:execution:<name>:*. */
export function executionsOf(stateMachineArn: string): string {
  const executions = stateMachineArn.replace(/:stateMachine:([^:]+)$/, ":execution:$1:*");
  if (executions === stateMachineArn) throw new Error(`${stateMachineArn} is not a state machine ARN`);
  return executions;
}

export const policyDocument = (statements: PolicyStatement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

export const allow = (actions: string[], resources: string[]): PolicyStatement => ({
  Effect: "Allow",
  Action: actions,
  Resource: resources,
});

/**
 * For actions whose service defines no resource type (the Service Authorization Reference lists none), `*` is
 * the only valid resource; the statement is still pinned to the stack's region.
 */
export const allowWithoutResourceType = (actions: string[], scope: AwsScope): PolicyStatement => ({
  Effect: "Allow",
  Action: actions,
  Resource: ["*"],
  Condition: { StringEquals: { "aws:RequestedRegion": scope.region } },
});

/** A regional ARN of this stack's account: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export const regionalArn = (scope: AwsScope, service: string, resource: string): string =>
  `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;

/**
 * Trust policy of a topic rules' role: only this account's rules named `rulePattern` (IoT names the rule
 * assuming the role: confused-deputy keys).
 */
export const topicRuleTrustPolicy = (scope: AwsScope, rulePattern: string): PolicyDocument =>
  serviceTrustPolicy("iot.amazonaws.com", {
    StringEquals: { "aws:SourceAccount": scope.accountId },
    ArnLike: { "aws:SourceArn": regionalArn(scope, "iot", `rule/${rulePattern}`) },
  });

/**
 * Trust policy letting one AWS service assume a role. `condition` narrows it where the service sends the
 * confused-deputy keys (Step Functions does; Lambda does not when assuming an execution role).
 */
export const serviceTrustPolicy = (
  service: string,
  condition?: PolicyStatement["Condition"],
): PolicyDocument =>
  policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: ["sts:AssumeRole"],
      ...(condition ? { Condition: condition } : {}),
    },
  ]);
