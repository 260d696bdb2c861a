import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { teardown } from "../core/teardown";
import { teardownEvent } from "../schemas";

const config = handlerConfig("teardown");
const paced = awsClient(IoTClient, { paced: true });
const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "teardown",
  schema: teardownEvent,
  handler: (event, { logger, deadline }) =>
    teardown(
      {
        paced,
        iot,
        deleteRate: config.DELETE_THING_RATE,
        listRate: config.LIST_THINGS_RATE,
        concurrency: config.CONCURRENCY,
        deadline,
        logger,
      },
      event,
    ),
});
