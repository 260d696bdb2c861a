// Seed 002 on AWS: the retry-workflow package as its manifest describes it (the two tables, the notifications
// topic, the outcomes queue and its dead-letter queue, every handler, the escalation state machine), plus the
// e-mail subscription and the dead-letter alarm. The IoT rules filling the queue (SQS error action to the
// dead-letter queue) and record-outcome's event source mapping await the deploy role's grants for those types.
import { DEAD_LETTERS_QUEUE, manifest } from "@fleet/retry-workflow";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { regionalArn } from "../policies/document";
import { RETRY_WORKFLOW_PERMISSIONS } from "../policies/retry-workflow";
import { type DomainArgs, type DomainOutputs, deployHandlerPackage } from "./handler-package";
import type { NodeLambda } from "./node-lambda";

export interface RetryWorkflowArgs extends DomainArgs {
  /** Subscribed to the notifications topic (fleet:retryWorkflow.notifyEmail). */
  notifyEmail?: string;
}

export class RetryWorkflow extends pulumi.ComponentResource {
  public readonly functions: Record<string, NodeLambda>;
  public readonly outputs: DomainOutputs;

  constructor(name: string, args: RetryWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:RetryWorkflow", name, {}, opts);
    const email = args.notifyEmail;
    if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw new Error(`RetryWorkflow ${name}: notifyEmail ${JSON.stringify(email)} is not an e-mail address`);
    }

    const deployed = deployHandlerPackage(
      name,
      { ...args, manifest, permissions: RETRY_WORKFLOW_PERMISSIONS },
      this,
    );
    this.functions = deployed.functions;
    this.outputs = deployed.outputs;
    const parent = { parent: this };
    const named = (part: string) => `${args.namePrefix}${name}-${part}`;
    const scope = awsScope(this);
    const queueArn = (resource: string) =>
      pulumi
        .all([scope, deployed.outputs.resources[resource] as pulumi.Output<string>])
        .apply(([s, url]) => regionalArn(s, "sqs", url.split("/").pop() as string));
    const deadLetters = queueArn(DEAD_LETTERS_QUEUE);

    new aws.sns.TopicSubscription(
      named("notify-email"),
      {
        topic: deployed.outputs.resources.notifications as pulumi.Output<string>,
        protocol: "email",
        endpoint: email,
      },
      parent,
    );
    if (args.alarmTopicArn !== undefined) {
      new aws.cloudwatch.MetricAlarm(
        named("dead-letters"),
        {
          alarmDescription: `${name}: outcome messages in the dead-letter queue (not recorded, or not delivered by a rule)`,
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: deadLetters.apply((arn) => arn.split(":").pop() as string) },
          statistic: "Maximum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [args.alarmTopicArn],
        },
        parent,
      );
    }
    this.registerOutputs(this.outputs);
  }
}
