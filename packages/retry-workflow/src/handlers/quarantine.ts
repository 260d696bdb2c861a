import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig, quarantineGroup } from "../config";
import { quarantine } from "../core/escalation-steps";
import { escalationInput } from "../schemas";

const config = handlerConfig("quarantine");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  iot: awsClient(IoTClient),
  retriesTable: config.RETRIES_TABLE,
  historyLimit: config.HISTORY_LIMIT,
  group: quarantineGroup(config),
};

export const handler = defineHandler({
  name: "quarantine",
  schema: escalationInput,
  handler: (event) => quarantine(deps, event),
});
