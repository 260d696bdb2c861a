// Seed 002 on AWS: the retry-workflow package as its manifest describes it (the two tables, the notifications
// topic, the outcomes queue and its dead-letter queue, every handler, the escalation state machine), plus what
// refers to its functions and queues: the IoT rules filling the queue (their errors kept in the dead-letter
// queue), the event source mapping feeding record-outcome, the e-mail subscription, the dead-letter alarm (the rules, mapping and alarm through queue-rules.ts).
import {
  DEAD_LETTERS_QUEUE,
  manifest,
  OUTCOMES_QUEUE,
  OUTCOMES_VISIBILITY_TIMEOUT_SECONDS,
} from "@fleet/retry-workflow";
import { ESCALATION_FAILED, messagesMetric, RECORD_OUTCOME_SERVICE } from "@fleet/retry-workflow/metrics";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RETRY_WORKFLOW_PERMISSIONS } from "../policies/retry-workflow";
import { type DashboardSection, fleetMetric } from "./dashboard";
import { type DomainArgs, type DomainOutputs, deployHandlerPackage } from "./handler-package";
import type { NodeLambda } from "./node-lambda";
import { createQueueRules, withVisibilityTimeout } from "./queue-rules";

/**
 * The sources of failures and successes an IoT rule can select. Each rule stamps its source in its SQL
 * (`ruleSource`), the only thing record-outcome trusts about where a message came from; the device-data rule
 * selects the seed's fields by name, so a device's own `ruleSource` never reaches the queue.
 */
const RULES = {
  "device-data": {
    sql: () =>
      "SELECT _id_, timestamp, status, model, FW, 'device-data' AS ruleSource FROM 'iot/device/data' WHERE status = 'failed' OR status = 'succeeded'",
    description: "Devices' own update outcomes on iot/device/data (the seed's payload)",
  },
  "job-executions": {
    sql: (jobIdPrefix: string) =>
      `SELECT *, 'job-executions' AS ruleSource FROM '$aws/events/jobExecution/+/+' WHERE (status = 'FAILED' OR status = 'TIMED_OUT' OR status = 'REJECTED' OR status = 'SUCCEEDED')${jobIdPrefix ? ` AND startswith(jobId, '${jobIdPrefix}')` : ""}`,
    description: "AWS IoT job-execution events (JOB_EXECUTION events must be enabled on the account)",
  },
} as const;

/** The rules to create, from the stack's settings; throws naming a bad one (before anything is registered). */
function ruleSources(
  name: string,
  args: DomainArgs,
): { sources: (keyof typeof RULES)[]; jobIdPrefix: string } {
  const email = args.component?.notifyEmail;
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new Error(`RetryWorkflow ${name}: notifyEmail ${JSON.stringify(email)} is not an e-mail address`);
  }
  // The package's default: the devices' own messages only (both on counts twice an attempt reported both ways).
  const sources = String(args.settings.FAILURE_SOURCES ?? "device-data").split(",");
  const unknown = sources.filter((source) => !(source in RULES));
  if (unknown.length > 0)
    throw new Error(`RetryWorkflow ${name}: unknown FAILURE_SOURCES ${unknown.join(", ")}`);
  const jobIdPrefix = String(args.settings.JOB_ID_PREFIX ?? "");
  if (!/^[a-zA-Z0-9_-]{0,64}$/.test(jobIdPrefix))
    throw new Error(
      `RetryWorkflow ${name}: JOB_ID_PREFIX ${JSON.stringify(jobIdPrefix)} is not a job id prefix`,
    );
  return { sources: sources as (keyof typeof RULES)[], jobIdPrefix };
}

/**
 * Retry cycles as record-outcome counts them (failures counted, cycles escalated, reset by a success), devices
 * quarantined and released (their functions' invocations), and escalations that failed.
 */
export function retryWorkflowWidgets(functions: Record<string, NodeLambda>): DashboardSection {
  const invocations = (handler: string, label: string) => [
    "AWS/Lambda",
    "Invocations",
    "FunctionName",
    (functions[handler] as NodeLambda).functionName,
    { label },
  ];
  return {
    title: "Failed-update retries (retry-workflow)",
    widgets: [
      {
        title: "Retry cycles",
        metrics: [
          fleetMetric(RECORD_OUTCOME_SERVICE, messagesMetric("counted"), { label: "failures counted" }),
          fleetMetric(RECORD_OUTCOME_SERVICE, messagesMetric("escalated"), { label: "cycles escalated" }),
          fleetMetric(RECORD_OUTCOME_SERVICE, messagesMetric("reset"), {
            label: "cycles reset by a success",
          }),
          fleetMetric(RECORD_OUTCOME_SERVICE, messagesMetric("failed"), { label: "messages not recorded" }),
        ],
      },
      {
        title: "Quarantines",
        metrics: [
          invocations("quarantine", "devices quarantined"),
          invocations("release", "devices released"),
          fleetMetric(ESCALATION_FAILED.service, ESCALATION_FAILED.metricName, {
            label: "escalations failed",
          }),
        ],
      },
    ],
  };
}

export class RetryWorkflow extends pulumi.ComponentResource {
  public readonly functions: Record<string, NodeLambda>;
  public readonly outputs: DomainOutputs;
  public readonly widgets: DashboardSection;

  constructor(name: string, args: DomainArgs, opts?: pulumi.ComponentResourceOptions) {
    const { sources, jobIdPrefix } = ruleSources(name, args);
    super(
      "fleet:index:RetryWorkflow",
      name,
      {},
      // The manifest's queues carry no visibility timeout: the outcomes queue gets its consumer's six times.
      withVisibilityTimeout(
        opts,
        `${args.namePrefix}${name}-${OUTCOMES_QUEUE}`,
        OUTCOMES_VISIBILITY_TIMEOUT_SECONDS,
      ),
    );
    // Subscribed to the notifications topic (fleet:retryWorkflow.component.notifyEmail).
    const email = args.component?.notifyEmail as string;

    const deployed = deployHandlerPackage(
      name,
      { ...args, manifest, permissions: RETRY_WORKFLOW_PERMISSIONS },
      this,
    );
    this.functions = deployed.functions;
    this.outputs = deployed.outputs;
    this.widgets = retryWorkflowWidgets(deployed.functions);
    const named = (part: string) => `${args.namePrefix}${name}-${part}`;

    new aws.sns.TopicSubscription(
      named("notify-email"),
      {
        topic: deployed.outputs.resources.notifications as pulumi.Output<string>,
        protocol: "email",
        endpoint: email,
      },
      { parent: this },
    );
    createQueueRules(
      {
        baseName: `${args.namePrefix}${name}`,
        resources: deployed.outputs.resources,
        queue: OUTCOMES_QUEUE,
        deadLetters: DEAD_LETTERS_QUEUE,
        rules: Object.fromEntries(
          sources.map((source) => [
            source,
            { sql: RULES[source].sql(jobIdPrefix), description: RULES[source].description },
          ]),
        ),
        // Batches of up to 10, a failed message alone delivered again; concurrency bounded so a storm queues.
        consumer: {
          name: "outcomes",
          function: this.functions["record-outcome"] as NodeLambda,
          batchSize: 10,
          maximumConcurrency: 10,
        },
        ...(args.alarmTopicArn === undefined
          ? {}
          : {
              deadLetterAlarm: {
                topicArn: args.alarmTopicArn,
                description: `${name}: outcome messages in the dead-letter queue (not recorded, or not delivered by a rule)`,
              },
            }),
      },
      this,
    );
    this.registerOutputs(this.outputs);
  }
}
