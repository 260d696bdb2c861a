import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { escalationFailed } from "../core/escalation-failed";
import { ESCALATION_FAILED } from "../metrics";
import { escalationFailedEvent } from "../schemas";

const config = handlerConfig("escalation-failed");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  retriesTable: config.RETRIES_TABLE,
  historyLimit: config.HISTORY_LIMIT,
};

export const handler = defineHandler({
  name: ESCALATION_FAILED.service,
  schema: escalationFailedEvent,
  handler: async (event, { logger, metrics }) => {
    const failed = await escalationFailed(deps, event);
    logger.error("escalation failed", { ...failed, cycle: event.cycle, epoch: event.epoch });
    metrics.addMetric(ESCALATION_FAILED.metricName, "Count", 1);
    return failed;
  },
});
