import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { listSchedule } from "../core/list-schedule";
import { listScheduleEvent } from "../schemas";

const config = handlerConfig("list-schedule");
const db = awsClient(DynamoDBClient);

export const handler = defineHandler({
  name: "list-schedule",
  schema: listScheduleEvent,
  handler: (event) => listSchedule({ db, table: config.SCHEDULE_TABLE }, event),
});
