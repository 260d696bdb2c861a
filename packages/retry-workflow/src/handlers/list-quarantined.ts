import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig, quarantineGroup } from "../config";
import { listQuarantined } from "../core/operator";
import { listQuarantinedEvent } from "../schemas";

const config = handlerConfig("list-quarantined");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  iot: awsClient(IoTClient),
  retriesTable: config.RETRIES_TABLE,
  group: quarantineGroup(config),
};

export const handler = defineHandler({
  name: "list-quarantined",
  schema: listQuarantinedEvent,
  handler: (event) => listQuarantined(deps, event),
});
