import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { cleanUp } from "../core/clean-up";
import { requirePrefix } from "../core/names";
import { cleanUpEvent } from "../schemas";

const config = handlerConfig("clean-up");
const iot = awsClient(IoTClient);
const s3 = awsClient(S3Client);
const alarms = { cloudWatch: awsClient(CloudWatchClient), prefix: config.ALARM_NAME_PREFIX };

export const handler = defineHandler({
  name: "clean-up",
  schema: cleanUpEvent,
  handler: (event) => {
    requirePrefix(config.GROUP_NAME_PREFIX, {
      jobId: event.jobId,
      streamId: event.streamId,
      targetGroup: event.targetGroup,
    });
    return cleanUp({ iot, s3, bucket: config.FIRMWARE_BUCKET, alarms }, event);
  },
});
