// IoT rules that fill a package's queue, and the function that drains it: a role the rules assume (trusted only
// by this account's rules of the component, allowed only to send to the queue and its dead-letter queue), each
// rule's SQS action with an SQS error action into the dead-letter queue (a message a rule could not deliver is
// kept there, with the failure), the event source mapping feeding the consumer, and the dead-letter queue's
// alarm. Used by retry-workflow (outcomes) and ota-deploy (job events).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { allow, policyDocument, regionalArn, topicRuleTrustPolicy } from "../policies/document";
import { countAlarm } from "./alarm";
import type { NodeLambda } from "./node-lambda";

export interface QueueRulesArgs {
  /** `<namePrefix><component name>`: every resource name here starts with it, every rule name its `_` form. */
  baseName: string;
  /** The package's resources as deployed (a queue's value is its URL). */
  resources: Record<string, pulumi.Input<string>>;
  /** The manifest's names of the queue and of its dead-letter queue. */
  queue: string;
  deadLetters: string;
  /** The rules by the part of their name: resource `<baseName>-<part>-rule`, rule `<baseName>_<part>`. */
  rules: Record<string, { sql: string; description: string }>;
  consumer: {
    /** The event source mapping's resource name part. */
    name: string;
    function: NodeLambda;
    batchSize: number;
    /** Required by SQS for a batch over 10. */
    maximumBatchingWindowInSeconds?: number;
    maximumConcurrency: number;
  };
  /** With a topic, the dead-letter queue alarms when it holds a message. */
  deadLetterAlarm?: { topicArn: pulumi.Input<string>; description: string };
}

/** A topic rule's name allows no hyphen. */
export const topicRuleName = (baseName: string, part: string) => `${baseName}-${part}`.replace(/-/g, "_");

/** A queue's ARN from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueArnOf(parent: pulumi.Resource, url: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi
    .all([awsScope(parent), url])
    .apply(([scope, u]) => regionalArn(scope, "sqs", u.split("/").pop() as string));
}

/**
 * A component's options setting its queue's visibility timeout (the manifest's queues carry none): AWS advises
 * six times the consumer's timeout for a Lambda event source, so a batch being handled is not delivered again.
 */
export function withVisibilityTimeout(
  opts: pulumi.ComponentResourceOptions | undefined,
  queueResourceName: string,
  seconds: number,
): pulumi.ComponentResourceOptions {
  return {
    ...opts,
    transformations: [
      ...(opts?.transformations ?? []),
      ({ type, name, props, opts: resourceOpts }) =>
        type === "aws:sqs/queue:Queue" && name === queueResourceName
          ? { props: { ...props, visibilityTimeoutSeconds: seconds }, opts: resourceOpts }
          : undefined,
    ],
  };
}

/** Creates the rules, their role, the event source mapping and the alarm; answers the rules' names. */
export function createQueueRules(args: QueueRulesArgs, parent: pulumi.Resource): string[] {
  const opts = { parent };
  const named = (part: string) => `${args.baseName}-${part}`;
  const scope = awsScope(parent);
  const queueUrl = args.resources[args.queue] as pulumi.Input<string>;
  const deadLettersUrl = args.resources[args.deadLetters] as pulumi.Input<string>;
  const queue = queueArnOf(parent, queueUrl);
  const deadLetters = queueArnOf(parent, deadLettersUrl);

  new aws.lambda.EventSourceMapping(
    named(args.consumer.name),
    {
      eventSourceArn: queue,
      functionName: args.consumer.function.arn,
      batchSize: args.consumer.batchSize,
      ...(args.consumer.maximumBatchingWindowInSeconds === undefined
        ? {}
        : { maximumBatchingWindowInSeconds: args.consumer.maximumBatchingWindowInSeconds }),
      // A failed message alone is delivered again; concurrency bounded so a storm queues.
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: args.consumer.maximumConcurrency },
    },
    opts,
  );

  const role = new aws.iam.Role(
    named("rules-role"),
    {
      // Only this component's rules.
      assumeRolePolicy: scope.apply((s) =>
        JSON.stringify(topicRuleTrustPolicy(s, topicRuleName(args.baseName, "*"))),
      ),
    },
    opts,
  );
  new aws.iam.RolePolicy(
    named("rules-policy"),
    {
      role: role.id,
      policy: pulumi
        .all([queue, deadLetters])
        .apply(([q, d]) => JSON.stringify(policyDocument([allow(["sqs:SendMessage"], [q, d])]))),
    },
    opts,
  );
  const names: string[] = [];
  for (const [part, rule] of Object.entries(args.rules)) {
    const name = topicRuleName(args.baseName, part);
    names.push(name);
    new aws.iot.TopicRule(
      named(`${part}-rule`),
      {
        name,
        description: rule.description,
        enabled: true,
        sql: rule.sql,
        sqlVersion: "2016-03-23",
        sqs: [{ queueUrl, roleArn: role.arn, useBase64: false }],
        // A message the rule could not deliver is kept, with the failure, in the dead-letter queue.
        errorAction: { sqs: { queueUrl: deadLettersUrl, roleArn: role.arn, useBase64: false } },
      },
      opts,
    );
  }

  if (args.deadLetterAlarm)
    countAlarm(
      named("dead-letters"),
      {
        description: args.deadLetterAlarm.description,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: deadLetters.apply((arn) => arn.split(":").pop() as string) },
        statistic: "Maximum",
        topicArn: args.deadLetterAlarm.topicArn,
      },
      opts,
    );
  return names;
}
