import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { preview } from "../core/preview";
import { previewEvent } from "../schemas";

const config = handlerConfig("preview");
const iot = awsClient(IoTClient);
const s3 = awsClient(S3Client);

export const handler = defineHandler({
  name: "preview",
  schema: previewEvent,
  handler: (event, { deadline }) =>
    preview(
      {
        iot,
        s3,
        bucket: config.LISTS_BUCKET,
        updateKey: config.UPDATE_KEY,
        searchRate: config.SEARCH_INDEX_RATE,
        deadline,
      },
      event,
    ),
});
