import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { addSchedule } from "../core/add-schedule";
import { planDeps } from "../core/plan";
import { addScheduleEvent } from "../schemas";

const config = handlerConfig("add-schedule");
const deps = {
  ...planDeps(config, { s3: awsClient(S3Client), iot: awsClient(IoTClient) }),
  db: awsClient(DynamoDBClient),
  table: config.SCHEDULE_TABLE,
};

export const handler = defineHandler({
  name: "add-schedule",
  // The deployment config itself is validated by addSchedule, as plan-deployment validates it.
  schema: addScheduleEvent,
  handler: (event) => addSchedule(deps, event.config),
});
