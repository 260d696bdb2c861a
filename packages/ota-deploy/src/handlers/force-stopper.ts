import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { IoTClient } from "@aws-sdk/client-iot";
import { SNSClient } from "@aws-sdk/client-sns";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { type ForceStopOutcome, forceStop } from "../core/force-stop";
import { FORCE_STOPPER } from "../metric-names";
import { forceStopperEvent } from "../schemas";

const config = handlerConfig("force-stopper");
const deps = {
  cloudWatch: awsClient(CloudWatchClient),
  iot: awsClient(IoTClient),
  sns: awsClient(SNSClient),
  alarmPrefix: config.ALARM_NAME_PREFIX,
  groupPrefix: config.GROUP_NAME_PREFIX,
  emailTopicArn: config.EMAIL_TOPIC_ARN,
  forceStopTopicArn: config.FORCE_STOP_TOPIC_ARN,
};

export const handler = defineHandler({
  name: FORCE_STOPPER.service,
  schema: forceStopperEvent,
  handler: async (event, { logger, metrics }) => {
    const outcomes: ForceStopOutcome[] = [];
    // Counted as soon as the job is cancelled: a report that then fails (and is retried) loses no count.
    const onStopped = () => metrics.addMetric(FORCE_STOPPER.metricName, "Count", 1);
    for (const record of event.Records) {
      const outcome = await forceStop(
        { ...deps, onStopped },
        { message: record.Sns.Message, topicArn: record.Sns.TopicArn },
      );
      // A refusal may be an attack; a malformed message or a stale alarm is unexpected or a benign race.
      if (outcome.outcome === "stopped") logger.warn("force-stopped a job", { ...outcome });
      else if (outcome.outcome === "refused") logger.error("refused an alarm", { ...outcome });
      else if (outcome.outcome === "malformed" || outcome.outcome === "stale")
        logger.warn("alarm notification not acted on", { ...outcome });
      else logger.info("alarm notification handled", { ...outcome });
      outcomes.push(outcome);
    }
    return { outcomes };
  },
});
