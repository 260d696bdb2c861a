import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { addSchedule } from "../core/add-schedule";
import { addScheduleEvent } from "../schemas";

const config = handlerConfig("add-schedule");
const s3 = awsClient(S3Client);
const iot = awsClient(IoTClient);
const db = awsClient(DynamoDBClient);

export const handler = defineHandler({
  name: "add-schedule",
  // The deployment config itself is validated by addSchedule, as plan-deployment validates it.
  schema: addScheduleEvent,
  handler: (event) =>
    addSchedule(
      {
        s3,
        iot,
        db,
        table: config.SCHEDULE_TABLE,
        bucket: config.FIRMWARE_BUCKET,
        otaRoleArn: config.OTA_ROLE_ARN,
        allowedHosts: config.DOCUMENT_URL_HOSTS.split(",").filter(Boolean),
        groupNamePrefix: config.GROUP_NAME_PREFIX,
        deadlines: {
          defaultMinutes: config.DEFAULT_ROUND_DEADLINE_MINUTES,
          maxMinutes: config.MAX_ROUND_DEADLINE_MINUTES,
        },
      },
      event.config,
    ),
});
