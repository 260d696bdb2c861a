import { defineHandler } from "@fleet/shared-aws";
import { transformConfig } from "../config";
import { recordBatch } from "../core/batch-metrics";
import { transformer } from "../core/transform";
import { firehoseEvent } from "../schemas";

const transform = transformer(transformConfig());

export const handler = defineHandler({
  name: "transform",
  schema: firehoseEvent,
  handler: async (event, { logger, metrics }) => {
    const { records, summary } = transform(event.records);
    recordBatch({ logger, metrics }, summary);
    return { records };
  },
});
