import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { requireNamePrefixes } from "../core/names";
import { startTargetedJob } from "../core/start-targeted-job";
import { startTargetedJobEvent } from "../schemas";

const config = handlerConfig("start-targeted-job");
const iot = awsClient(IoTClient);
const s3 = awsClient(S3Client);
const sfn = awsClient(SFNClient);

export const handler = defineHandler({
  name: "start-targeted-job",
  schema: startTargetedJobEvent,
  handler: (event) => {
    requireNamePrefixes(config, { jobName: event.jobName });
    return startTargetedJob(
      {
        iot,
        s3,
        sfn,
        bucket: config.LISTS_BUCKET,
        stateMachineArn: config.STATE_MACHINE_ARN,
        updateKey: config.UPDATE_KEY,
        now: Date.now,
      },
      event,
    );
  },
});
