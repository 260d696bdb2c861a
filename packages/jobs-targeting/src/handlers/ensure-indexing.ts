import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { ensureIndexing } from "../core/indexing";
import { ensureIndexingEvent } from "../schemas";

const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "ensure-indexing",
  schema: ensureIndexingEvent,
  handler: (event) => ensureIndexing(iot, event),
});
