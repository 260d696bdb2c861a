import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { appliedQuotas } from "@fleet/shared-aws/steps";
import { handlerConfig } from "../config";
import { fillExcludeGroup } from "../core/fill-exclude-group";
import { requireNamePrefixes } from "../core/names";
import { fillExcludeGroupEvent } from "../schemas";

const config = handlerConfig("fill-exclude-group");
const paced = awsClient(IoTClient, { paced: true });
const iot = awsClient(IoTClient);
const quotaLookup = appliedQuotas();
const s3 = awsClient(S3Client);

export const handler = defineHandler({
  name: "fill-exclude-group",
  schema: fillExcludeGroupEvent,
  handler: (event, { logger, deadline }) => {
    requireNamePrefixes(config, { staticGroupName: event.staticGroupName });
    return fillExcludeGroup(
      {
        paced,
        iot,
        s3,
        bucket: config.LISTS_BUCKET,
        rate: config.ADD_THING_TO_GROUP_RATE,
        concurrency: config.CONCURRENCY,
        deadline,
        logger,
        quotaLookup,
      },
      event,
    );
  },
});
