import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { createTargetGroup } from "../core/create-target-group";
import { createTargetGroupEvent } from "../schemas";

const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "create-target-group",
  schema: createTargetGroupEvent,
  handler: (event) => createTargetGroup(iot, event),
});
