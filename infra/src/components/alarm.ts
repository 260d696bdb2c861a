import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface CountAlarmArgs {
  namespace: string;
  metricName: string;
  dimensions: Record<string, pulumi.Input<string>>;
  description: string;
  topicArn: pulumi.Input<string>;
}

/** Notifies the topic as soon as the metric counts one event in a 5-minute window; silence is healthy. */
export const countAlarm = (name: string, args: CountAlarmArgs, opts: pulumi.CustomResourceOptions) =>
  new aws.cloudwatch.MetricAlarm(
    name,
    {
      alarmDescription: args.description,
      namespace: args.namespace,
      metricName: args.metricName,
      dimensions: args.dimensions,
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [args.topicArn],
    },
    opts,
  );
