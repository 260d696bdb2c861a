import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { deployRound } from "../core/deploy-round";
import { requirePrefix } from "../core/names";
import type { DeploymentPlan } from "../core/plan";
import { stackTopics } from "../core/round-alarms";
import { deployRoundEvent } from "../schemas";

const config = handlerConfig("deploy-round");
const iot = awsClient(IoTClient);
const alarms = {
  cloudWatch: awsClient(CloudWatchClient),
  prefix: config.ALARM_NAME_PREFIX,
  topics: stackTopics(config),
};

export const handler = defineHandler({
  name: "deploy-round",
  schema: deployRoundEvent,
  handler: (event) => {
    requirePrefix(config.GROUP_NAME_PREFIX, {
      jobId: event.plan.config.jobId,
      streamId: event.plan.streamId,
    });
    return deployRound(iot, { plan: event.plan as unknown as DeploymentPlan, round: event.round }, alarms);
  },
});
