// ota-deploy's job events on AWS: two IoT rules, job-execution events (`$aws/events/jobExecution/#`: every
// status update) and job events (`$aws/events/job/#`: completions and cancels, so aborts are counted), of the
// stack's jobs only, send them to the package's job-events queue; job-metrics drains it in batches (an event
// source mapping), so one invocation turns up to a thousand events into a few EMF documents, an event outlives
// a failed invocation (14 days in the queue, then the alarmed dead-letter queue), and nothing invokes the function
// but the mapping. A message a rule could not deliver goes to the dead-letter queue with the error; rule
// failures, dead letters and malformed events alarm (queue-rules.ts builds what retry-workflow builds too).
// The events themselves are turned on per account and region by the bootstrap (aws.iot.EventConfigurations),
// not here: two stacks in one account would otherwise own one setting, and destroying either would turn the
// other's events off.
import { JOB_EVENTS_DEAD_LETTERS, JOB_EVENTS_QUEUE, JOB_METRICS_BATCH } from "@fleet/ota-deploy";
import { JOB_METRICS_SERVICE, STACK_METRICS } from "@fleet/ota-deploy/metrics";
import type * as pulumi from "@pulumi/pulumi";
import { countAlarm } from "./alarm";
import { type NodeLambda, stackMetricsNamespace } from "./node-lambda";
import { createQueueRules, topicRuleName } from "./queue-rules";

/** The rules by the part of their name; only the stack's jobs (GROUP_NAME_PREFIX) are selected. */
export const JOB_EVENT_RULES = {
  "job-executions": {
    topic: "$aws/events/jobExecution/#",
    description: "AWS IoT job-execution events (every status) to ota-deploy's job-events queue",
  },
  "job-events": {
    topic: "$aws/events/job/#",
    description: "AWS IoT job events (completed, canceled) to ota-deploy's job-events queue",
  },
} as const;

export const jobEventRuleSql = (topic: string, jobIdPrefix: string) =>
  `SELECT * FROM '${topic}'${jobIdPrefix ? ` WHERE startswith(jobId, '${jobIdPrefix}')` : ""}`;

export interface JobEventRulesArgs {
  /** `<namePrefix><component name>`: every name here starts with it. */
  baseName: string;
  /** The package's resources as deployed (the queues' URLs). */
  resources: Record<string, pulumi.Input<string>>;
  metricsFunction: NodeLambda;
  jobIdPrefix: string;
  alarmTopicArn?: pulumi.Input<string>;
}

export function createJobEventRules(args: JobEventRulesArgs, parent: pulumi.Resource): string[] {
  if (!/^[a-zA-Z0-9_-]{0,64}$/.test(args.jobIdPrefix))
    throw new Error(
      `${args.baseName}: GROUP_NAME_PREFIX ${JSON.stringify(args.jobIdPrefix)} is not a job id prefix`,
    );
  const named = (part: string) => `${args.baseName}-${part}`;
  const ruleNames = createQueueRules(
    {
      baseName: args.baseName,
      resources: args.resources,
      queue: JOB_EVENTS_QUEUE,
      deadLetters: JOB_EVENTS_DEAD_LETTERS,
      rules: Object.fromEntries(
        Object.entries(JOB_EVENT_RULES).map(([part, rule]) => [
          part,
          { sql: jobEventRuleSql(rule.topic, args.jobIdPrefix), description: rule.description },
        ]),
      ),
      consumer: {
        name: JOB_EVENTS_QUEUE,
        function: args.metricsFunction,
        batchSize: JOB_METRICS_BATCH.size,
        maximumBatchingWindowInSeconds: JOB_METRICS_BATCH.windowSeconds,
        maximumConcurrency: JOB_METRICS_BATCH.maximumConcurrency,
      },
      ...(args.alarmTopicArn === undefined
        ? {}
        : {
            deadLetterAlarm: {
              topicArn: args.alarmTopicArn,
              description: `${args.baseName}: job events in the dead-letter queue (not turned into metrics, or not delivered by a rule)`,
            },
          }),
    },
    parent,
  );
  if (args.alarmTopicArn === undefined) return ruleNames;
  const opts = { parent };
  for (const part of Object.keys(JOB_EVENT_RULES)) {
    const ruleName = topicRuleName(args.baseName, part);
    for (const metricName of ["Failure", "ParseError", "RuleMessageThrottled"])
      countAlarm(
        named(`${part}-rule-${metricName.toLowerCase()}`),
        {
          namespace: "AWS/IoT",
          metricName,
          dimensions: { RuleName: ruleName },
          description: `IoT rule ${ruleName}: ${metricName}; the events it could not deliver are in the job-events dead-letter queue`,
          topicArn: args.alarmTopicArn,
        },
        opts,
      );
  }
  countAlarm(
    named("job-metrics-malformed"),
    {
      namespace: stackMetricsNamespace(),
      metricName: STACK_METRICS.malformed,
      dimensions: { service: JOB_METRICS_SERVICE },
      description: `${named("job-metrics")} received events it could not read: see its log ("malformed job event")`,
      topicArn: args.alarmTopicArn,
    },
    opts,
  );
  return ruleNames;
}
