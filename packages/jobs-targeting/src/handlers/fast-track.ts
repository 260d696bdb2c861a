import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler, iotDataClient } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { fastTrack } from "../core/fast-track";
import { fastTrackEvent } from "../schemas";

const config = handlerConfig("fast-track");
const iot = awsClient(IoTClient);
const s3 = awsClient(S3Client);

export const handler = defineHandler({
  name: "fast-track",
  schema: fastTrackEvent,
  handler: (event, { logger, deadline }) =>
    fastTrack(
      {
        iot,
        shadows: () => iotDataClient({ paced: true }),
        s3,
        bucket: config.LISTS_BUCKET,
        searchRate: config.SEARCH_INDEX_RATE,
        shadowRate: config.SHADOW_UPDATE_RATE,
        concurrency: config.CONCURRENCY,
        deadline,
        logger,
      },
      event,
    ),
});
