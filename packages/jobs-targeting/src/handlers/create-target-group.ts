import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { createTargetGroup } from "../core/create-target-group";
import { requireNamePrefixes } from "../core/names";
import { createTargetGroupEvent } from "../schemas";

const config = handlerConfig("create-target-group");
const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "create-target-group",
  schema: createTargetGroupEvent,
  handler: (event) => {
    requireNamePrefixes(config, { groupName: event.groupName });
    return createTargetGroup(iot, event);
  },
});
