// The static group of a deployment of more than 100 things, filled with jobs-targeting's paced, resumable fill.
import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { fillExcludeGroup } from "@fleet/jobs-targeting/fill-group";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { appliedQuotas } from "@fleet/shared-aws/steps";
import { handlerConfig } from "../config";
import { requirePrefix } from "../core/names";
import { fillTargetGroupEvent } from "../schemas";

const config = handlerConfig("fill-target-group");
const paced = awsClient(IoTClient, { paced: true });
const iot = awsClient(IoTClient);
const s3 = awsClient(S3Client);
const quotaLookup = appliedQuotas();

export const handler = defineHandler({
  name: "fill-target-group",
  schema: fillTargetGroupEvent,
  handler: (event, { logger, deadline }) => {
    requirePrefix(config.GROUP_NAME_PREFIX, { groupName: event.groupName });
    return fillExcludeGroup(
      {
        paced,
        iot,
        s3,
        bucket: config.FIRMWARE_BUCKET,
        rate: config.ADD_THING_TO_GROUP_RATE,
        concurrency: config.CONCURRENCY,
        deadline,
        logger,
        quotaLookup,
      },
      { excludeListFileName: event.listKey, staticGroupName: event.groupName, cursor: event.cursor },
    );
  },
});
