import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig, movedValues, quarantineGroup } from "../config";
import { release } from "../core/operator";
import { releaseEvent } from "../schemas";

const config = handlerConfig("release");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  iot: awsClient(IoTClient),
  retriesTable: config.RETRIES_TABLE,
  backupTable: config.BACKUP_TABLE,
  historyLimit: config.HISTORY_LIMIT,
  ...movedValues(config),
  group: quarantineGroup(config),
};

export const handler = defineHandler({
  name: "release",
  schema: releaseEvent,
  handler: (event, { lambda }) => release(deps, { ...event, requestId: lambda.awsRequestId }),
});
