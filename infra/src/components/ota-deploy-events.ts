// ota-deploy's job events on AWS: two IoT rules, job-execution events (`$aws/events/jobExecution/#`: every
// status update) and job events (`$aws/events/job/#`: completions and cancels, so aborts are counted), invoke the
// job-metrics function, allowed to by a permission scoped to exactly those rules (the original forgot it). A
// message a rule could not deliver goes to a log group with the error; rule failures and malformed events alarm.
// The events themselves are turned on per account and region by the bootstrap (aws.iot.EventConfigurations),
// not here: two stacks in one account would otherwise own one setting, and destroying either would turn the
// other's events off.
import { JOB_METRICS_SERVICE, STACK_METRICS } from "@fleet/ota-deploy/metrics";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { allow, policyDocument, regionalArn, serviceTrustPolicy } from "../policies/document";
import { countAlarm } from "./alarm";
import type { NodeLambda } from "./node-lambda";

/** The rules by the part of their name; only the stack's jobs (GROUP_NAME_PREFIX) are selected. */
export const JOB_EVENT_RULES = {
  "job-executions": {
    topic: "$aws/events/jobExecution/#",
    description: "AWS IoT job-execution events (every status) to ota-deploy's job-metrics",
  },
  "job-events": {
    topic: "$aws/events/job/#",
    description: "AWS IoT job events (completed, canceled) to ota-deploy's job-metrics",
  },
} as const;

export const jobEventRuleSql = (topic: string, jobIdPrefix: string) =>
  `SELECT * FROM '${topic}'${jobIdPrefix ? ` WHERE startswith(jobId, '${jobIdPrefix}')` : ""}`;

export interface JobEventRulesArgs {
  /** `<namePrefix><component name>`: every name here starts with it. */
  baseName: string;
  metricsFunction: NodeLambda;
  jobIdPrefix: string;
  logRetentionDays: number;
  alarmTopicArn?: pulumi.Input<string>;
}

/** A topic rule's name allows no hyphen. */
const ruleNameOf = (name: string) => name.replace(/-/g, "_");

export function createJobEventRules(args: JobEventRulesArgs, parent: pulumi.Resource): string[] {
  if (!/^[a-zA-Z0-9_-]{0,64}$/.test(args.jobIdPrefix))
    throw new Error(
      `${args.baseName}: GROUP_NAME_PREFIX ${JSON.stringify(args.jobIdPrefix)} is not a job id prefix`,
    );
  const opts = { parent };
  const named = (part: string) => `${args.baseName}-${part}`;
  const scope = awsScope(parent);
  const ruleArn = (ruleName: string) => scope.apply((s) => regionalArn(s, "iot", `rule/${ruleName}`));

  // Under /aws/lambda/<function's name>: where the stack's workloads may write logs (the permissions boundary).
  const errors = new aws.cloudwatch.LogGroup(
    named("job-metrics-rule-errors"),
    {
      namePrefix: `/aws/lambda/${named("job-metrics")}-rule-errors-`,
      retentionInDays: args.logRetentionDays,
    },
    opts,
  );
  const ruleNames = Object.keys(JOB_EVENT_RULES).map((part) => ruleNameOf(named(part)));
  const errorRole = new aws.iam.Role(
    named("job-events-rules-role"),
    {
      assumeRolePolicy: scope.apply((s) =>
        JSON.stringify(
          serviceTrustPolicy("iot.amazonaws.com", {
            StringEquals: { "aws:SourceAccount": s.accountId },
            ArnLike: { "aws:SourceArn": ruleNames.map((rule) => regionalArn(s, "iot", `rule/${rule}`)) },
          }),
        ),
      ),
    },
    opts,
  );
  new aws.iam.RolePolicy(
    named("job-events-rules-policy"),
    {
      role: errorRole.id,
      policy: errors.arn.apply((arn) =>
        JSON.stringify(
          policyDocument([allow(["logs:CreateLogStream", "logs:PutLogEvents"], [`${arn}:log-stream:*`])]),
        ),
      ),
    },
    opts,
  );

  for (const [part, rule] of Object.entries(JOB_EVENT_RULES)) {
    const ruleName = ruleNameOf(named(part));
    // Created first: a rule firing before its permission exists would fail its first events.
    const permission = new aws.lambda.Permission(
      named(`${part}-invoke`),
      {
        action: "lambda:InvokeFunction",
        function: args.metricsFunction.functionName,
        principal: "iot.amazonaws.com",
        sourceArn: ruleArn(ruleName),
        sourceAccount: scope.apply((s) => s.accountId),
      },
      opts,
    );
    new aws.iot.TopicRule(
      named(`${part}-rule`),
      {
        name: ruleName,
        description: rule.description,
        enabled: true,
        sql: jobEventRuleSql(rule.topic, args.jobIdPrefix),
        sqlVersion: "2016-03-23",
        lambdas: [{ functionArn: args.metricsFunction.arn }],
        errorAction: { cloudwatchLogs: { logGroupName: errors.name, roleArn: errorRole.arn } },
      },
      { parent, dependsOn: [permission] },
    );
    if (args.alarmTopicArn !== undefined)
      for (const metricName of ["Failure", "ParseError", "RuleMessageThrottled"])
        countAlarm(
          named(`${part}-rule-${metricName.toLowerCase()}`),
          {
            namespace: "AWS/IoT",
            metricName,
            dimensions: { RuleName: ruleName },
            description: `IoT rule ${ruleName}: ${metricName}; the events it could not deliver are in the job-metrics rule-errors log group`,
            topicArn: args.alarmTopicArn,
          },
          opts,
        );
  }
  if (args.alarmTopicArn !== undefined)
    countAlarm(
      named("job-metrics-malformed"),
      {
        namespace: `Fleet/${pulumi.getStack()}`,
        metricName: STACK_METRICS.malformed,
        dimensions: { service: JOB_METRICS_SERVICE },
        description: `${named("job-metrics")} received events it could not read: see its log ("malformed job event")`,
        topicArn: args.alarmTopicArn,
      },
      opts,
    );
  return ruleNames;
}
