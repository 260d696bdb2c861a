import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { createJob } from "../core/create-job";
import { requireNamePrefixes } from "../core/names";
import { createJobEvent } from "../schemas";

const config = handlerConfig("create-job");
const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "create-job",
  schema: createJobEvent,
  handler: (event) => {
    requireNamePrefixes(config, { jobName: event.jobName });
    return createJob(iot, event);
  },
});
