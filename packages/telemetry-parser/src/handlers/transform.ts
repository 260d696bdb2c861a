import { defineHandler } from "@fleet/shared-aws";
import { transformConfig } from "../config";
import { recordBatch } from "../core/batch-metrics";
import { transformer } from "../core/transform";
import { TRANSFORM_SERVICE } from "../metrics";
import { firehoseEvent } from "../schemas";

const transform = transformer(transformConfig());

export const handler = defineHandler({
  name: TRANSFORM_SERVICE,
  schema: firehoseEvent,
  handler: async (event, { logger, metrics }) => {
    const { records, summary } = transform(event.records);
    recordBatch({ logger, metrics }, summary);
    return { records };
  },
});
