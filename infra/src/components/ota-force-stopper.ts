// The force stopper's wiring: the ota-force-stopper topic invokes it (a permission scoped to that topic), only the
// stack's round alarms may publish to the topic (its policy), and a notification the function still fails on
// after Lambda's two retries is kept in a queue (an on-failure destination) that alarms the stack's alert topic
// rather than being dropped: the alarm stays in ALARM and CloudWatch never publishes it again, so it is replayed
// from there (the handler is idempotent).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { regionalArn } from "../policies/document";
import { forceStopTopicPolicy } from "../policies/ota-deploy";
import { countAlarm } from "./alarm";
import type { NodeLambda } from "./node-lambda";

/** Lambda's retries of an asynchronous invocation (its maximum) before the event goes to the failures queue. */
export const FORCE_STOP_RETRIES = 2;

export interface ForceStopperArgs {
  /** `<namePrefix><component>`: resources are named `<baseName>-force-stop…`. */
  baseName: string;
  topic: aws.sns.Topic;
  function: NodeLambda;
  /** ALARM_NAME_PREFIX: only alarms named so may publish to the topic. */
  alarmPrefix: string;
  /** The package's failures queue (its manifest resource; the function's role may send to it). */
  failuresQueueUrl: pulumi.Output<string>;
  /** The stack's alert topic, told when a notification could not be acted on. */
  alarmTopicArn?: pulumi.Input<string> | undefined;
}

export function wireForceStopper(args: ForceStopperArgs, parent: pulumi.Resource): void {
  const scope = awsScope(parent);
  const opts = { parent };
  new aws.sns.TopicPolicy(
    `${args.baseName}-force-stop-publishers`,
    {
      arn: args.topic.arn,
      policy: pulumi
        .all([scope, args.topic.arn])
        .apply(([s, topicArn]) => JSON.stringify(forceStopTopicPolicy(s, topicArn, args.alarmPrefix))),
    },
    opts,
  );
  const invokedBySns = new aws.lambda.Permission(
    `${args.baseName}-force-stopper-sns`,
    {
      action: "lambda:InvokeFunction",
      function: args.function.functionName,
      principal: "sns.amazonaws.com",
      sourceArn: args.topic.arn,
    },
    opts,
  );
  new aws.sns.TopicSubscription(
    `${args.baseName}-force-stopper`,
    { topic: args.topic.arn, protocol: "lambda", endpoint: args.function.arn },
    { parent, dependsOn: [invokedBySns] },
  );
  const queueName = args.failuresQueueUrl.apply((url) => url.split("/").pop() as string);
  const queueArn = pulumi.all([scope, queueName]).apply(([s, name]) => regionalArn(s, "sqs", name));
  new aws.lambda.FunctionEventInvokeConfig(
    `${args.baseName}-force-stopper-on-failure`,
    {
      functionName: args.function.functionName,
      maximumRetryAttempts: FORCE_STOP_RETRIES,
      destinationConfig: { onFailure: { destination: queueArn } },
    },
    opts,
  );
  if (args.alarmTopicArn !== undefined) {
    countAlarm(
      `${args.baseName}-force-stop-failures`,
      {
        description: `${args.baseName}: a force-stop notification failed every try and waits in the force-stop-failures queue: replay it (ota-deploy README, force-stopper)`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: queueName },
        statistic: "Maximum",
        topicArn: args.alarmTopicArn,
      },
      opts,
    );
  }
}
