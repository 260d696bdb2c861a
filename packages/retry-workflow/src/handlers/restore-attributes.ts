import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig, movedValues } from "../config";
import { restoreAttributes } from "../core/escalation-steps";
import { escalationInput } from "../schemas";

const config = handlerConfig("restore-attributes");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  iot: awsClient(IoTClient),
  retriesTable: config.RETRIES_TABLE,
  backupTable: config.BACKUP_TABLE,
  historyLimit: config.HISTORY_LIMIT,
  ...movedValues(config),
};

export const handler = defineHandler({
  name: "restore-attributes",
  schema: escalationInput,
  handler: (event) => restoreAttributes(deps, event),
});
