import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { createJob } from "../core/create-job";
import { createJobEvent } from "../schemas";

const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "create-job",
  schema: createJobEvent,
  handler: (event) => createJob(iot, event),
});
