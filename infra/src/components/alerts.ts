// Where alarms go: one topic per stack with the operator's e-mail subscribed.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AlertsArgs {
  email: string;
}

export class Alerts extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:Alerts", name, {}, opts);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(args.email)) {
      throw new Error(`Alerts ${name}: ${JSON.stringify(args.email)} is not an e-mail address`);
    }
    // Not KMS-encrypted: CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key, and the
    // messages carry alarm names and states only.
    const topic = new aws.sns.Topic(name, {}, { parent: this });
    new aws.sns.TopicSubscription(
      `${name}-email`,
      { topic: topic.arn, protocol: "email", endpoint: args.email },
      { parent: this },
    );
    this.topicArn = topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
