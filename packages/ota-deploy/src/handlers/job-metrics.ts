import { Metrics } from "@aws-lambda-powertools/metrics";
import { defineHandler } from "@fleet/shared-aws";
import * as z from "zod/mini";
import { recordJobEvents } from "../core/job-metrics";
import { JOB_EXECUTION_NAMESPACE, JOB_METRICS_SERVICE } from "../metric-names";

// The seed's metrics carry jobId alone: Powertools' default `service` dimension would make them other metrics
// than the ones a deployment's alarms name.
const perJob = new Metrics({ namespace: JOB_EXECUTION_NAMESPACE });
perJob.clearDefaultDimensions();

export const handler = defineHandler({
  name: JOB_METRICS_SERVICE,
  // Each event is checked on its own (recordJobEvents): one malformed event must not refuse the others.
  schema: z.unknown(),
  handler: async (event, { logger, metrics }) => recordJobEvents(event, { perJob, stack: metrics, logger }),
});
