import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface CountAlarmArgs {
  namespace: string;
  metricName: string;
  dimensions: Record<string, pulumi.Input<string>>;
  description: string;
  topicArn: pulumi.Input<string>;
  /** How a 5-minute window is reduced (default Sum: the events counted in it). */
  statistic?: "Sum" | "Maximum" | "Minimum";
  /** Alarm when the window's value falls below 1 (a success ratio dropping) instead of reaching it. */
  whenBelowOne?: boolean;
}

/**
 * Notifies the topic as soon as one 5-minute window reaches 1 (one event counted, one message waiting) or, with
 * `whenBelowOne`, falls below it; silence is healthy.
 */
export const countAlarm = (name: string, args: CountAlarmArgs, opts: pulumi.CustomResourceOptions) =>
  new aws.cloudwatch.MetricAlarm(
    name,
    {
      alarmDescription: args.description,
      namespace: args.namespace,
      metricName: args.metricName,
      dimensions: args.dimensions,
      statistic: args.statistic ?? "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: args.whenBelowOne ? "LessThanThreshold" : "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [args.topicArn],
    },
    opts,
  );
