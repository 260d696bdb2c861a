// The three topics the original tool's monitor template created, per stack: `email-notification` and
// `sms-notification` (the stack config's addresses and numbers subscribed) and `ota-force-stopper` (the force
// stopper subscribed by the component). Round alarms notify them by logical name (ota-deploy resolves the names
// to these ARNs), so no alarm can notify a topic outside the stack. Not KMS-encrypted: CloudWatch alarms cannot
// publish to a topic under the AWS-managed SNS key (see alerts.ts), and the messages carry alarm and job names,
// thresholds and reasons, no secrets.
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface AlarmTopicArgs {
  /** `<namePrefix><component>`: every topic is named `<baseName>-<topic>`. */
  baseName: string;
  emails: string[];
  smsNumbers: string[];
}

export interface AlarmTopics {
  email: aws.sns.Topic;
  sms: aws.sns.Topic;
  forceStopper: aws.sns.Topic;
}

export function createAlarmTopics(args: AlarmTopicArgs, parent: pulumi.Resource): AlarmTopics {
  // Named exactly, so that the handlers' grants name each topic's ARN.
  const topic = (name: string) =>
    new aws.sns.Topic(`${args.baseName}-${name}`, { name: `${args.baseName}-${name}` }, { parent });
  const topics = {
    email: topic("email-notification"),
    sms: topic("sms-notification"),
    forceStopper: topic("ota-force-stopper"),
  };
  // Named by their endpoint, so that adding or removing one leaves the others (confirmed e-mails) alone.
  const subscribe = (topic: aws.sns.Topic, name: string, protocol: string, endpoint: string) =>
    new aws.sns.TopicSubscription(
      `${args.baseName}-${name}-${createHash("sha256").update(endpoint).digest("hex").slice(0, 8)}`,
      { topic: topic.arn, protocol, endpoint },
      { parent },
    );
  for (const endpoint of args.emails) subscribe(topics.email, "email-notification", "email", endpoint);
  for (const endpoint of args.smsNumbers) subscribe(topics.sms, "sms-notification", "sms", endpoint);
  return topics;
}
