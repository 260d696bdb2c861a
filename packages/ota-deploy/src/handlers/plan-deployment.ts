import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import * as z from "zod/mini";
import { handlerConfig } from "../config";
import { planDeployment } from "../core/plan";

const config = handlerConfig("plan-deployment");
const s3 = awsClient(S3Client);
const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "plan-deployment",
  // The deployment config is validated by planDeployment, which names every bad field and its range.
  schema: z.unknown(),
  handler: (event) =>
    planDeployment(
      {
        s3,
        iot,
        bucket: config.FIRMWARE_BUCKET,
        otaRoleArn: config.OTA_ROLE_ARN,
        allowedHosts: config.DOCUMENT_URL_HOSTS.split(",").filter(Boolean),
        groupNamePrefix: config.GROUP_NAME_PREFIX,
        deadlines: {
          defaultMinutes: config.DEFAULT_ROUND_DEADLINE_MINUTES,
          maxMinutes: config.MAX_ROUND_DEADLINE_MINUTES,
        },
      },
      event,
    ),
});
