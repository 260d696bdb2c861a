import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig, listOf } from "../config";
import { moveAttributes } from "../core/escalation-steps";
import { escalationInput } from "../schemas";

const config = handlerConfig("move-attributes");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  iot: awsClient(IoTClient),
  retriesTable: config.RETRIES_TABLE,
  historyLimit: config.HISTORY_LIMIT,
  attributeNames: listOf(config.MOVED_ATTRIBUTES),
  moveOutValue: config.MOVE_OUT_VALUE,
  failedValue: config.FAILED_VALUE,
};

export const handler = defineHandler({
  name: "move-attributes",
  schema: escalationInput,
  handler: (event) => moveAttributes(deps, event),
});
