import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { indexStatus } from "../core/indexing";
import { indexStatusEvent } from "../schemas";

const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "index-status",
  schema: indexStatusEvent,
  handler: () => indexStatus(iot),
});
