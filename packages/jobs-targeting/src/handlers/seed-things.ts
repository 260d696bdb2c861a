import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { appliedQuotas } from "@fleet/shared-aws/steps";
import { handlerConfig } from "../config";
import { deleteThings } from "../core/delete-things";
import { requireNamePrefixes } from "../core/names";
import { seedThings } from "../core/seed";
import { seedThingsEvent } from "../schemas";

const config = handlerConfig("seed-things");
const paced = awsClient(IoTClient, { paced: true });
const iot = awsClient(IoTClient);
const quotaLookup = appliedQuotas();

export const handler = defineHandler({
  name: "seed-things",
  schema: seedThingsEvent,
  handler: async (event, { logger, deadline }) => {
    requireNamePrefixes(config, { demoThingPrefix: event.demoThingPrefix });
    const common = { paced, concurrency: config.CONCURRENCY, deadline, logger, quotaLookup };
    if (event.mode === "seed") {
      // Each item is one DescribeThing and at most one CreateThing: it must respect both quotas.
      const rate = Math.min(config.CREATE_THING_RATE, config.DESCRIBE_THING_RATE);
      const result = await seedThings(
        { ...common, rate },
        { prefix: event.demoThingPrefix, count: event.seedConfigNumber, cursor: event.cursor },
      );
      return { mode: event.mode, prefix: event.demoThingPrefix, ...result };
    }
    const deps = { ...common, iot, deleteRate: config.DELETE_THING_RATE, listRate: config.LIST_THINGS_RATE };
    const result = await deleteThings(deps, { prefix: event.demoThingPrefix, cursor: event.cursor });
    return { mode: event.mode, prefix: event.demoThingPrefix, ...result };
  },
});
