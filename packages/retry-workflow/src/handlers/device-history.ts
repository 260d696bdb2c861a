import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { deviceHistory } from "../core/operator";
import { deviceHistoryEvent } from "../schemas";

const config = handlerConfig("device-history");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  retriesTable: config.RETRIES_TABLE,
  backupTable: config.BACKUP_TABLE,
};

export const handler = defineHandler({
  name: "device-history",
  schema: deviceHistoryEvent,
  handler: (event) => deviceHistory(deps, event.deviceId),
});
