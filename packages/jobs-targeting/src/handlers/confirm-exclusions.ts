import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { confirmExclusions } from "../core/confirm-exclusions";
import { confirmExclusionsEvent } from "../schemas";

const config = handlerConfig("confirm-exclusions");
const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "confirm-exclusions",
  schema: confirmExclusionsEvent,
  handler: (event, { deadline }) =>
    confirmExclusions(
      {
        iot,
        listRate: config.LIST_THINGS_IN_GROUP_RATE,
        searchRate: config.SEARCH_INDEX_RATE,
        deadline,
      },
      event,
    ),
});
