import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { notify } from "../core/notify";
import { escalationInput } from "../schemas";

const config = handlerConfig("notify");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  sns: awsClient(SNSClient),
  retriesTable: config.RETRIES_TABLE,
  backupTable: config.BACKUP_TABLE,
  topicArn: config.NOTIFICATIONS_TOPIC_ARN,
  group: config.QUARANTINE_GROUP,
};

export const handler = defineHandler({
  name: "notify",
  schema: escalationInput,
  handler: (event) => notify(deps, event),
});
