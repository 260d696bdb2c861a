import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { roundStatus } from "../core/round-status";
import { roundStatusEvent } from "../schemas";

const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "round-status",
  schema: roundStatusEvent,
  handler: (event, { deadline }) => roundStatus(iot, event, { deadline }),
});
