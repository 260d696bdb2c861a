import { Metrics } from "@aws-lambda-powertools/metrics";
import { defineHandler } from "@fleet/shared-aws";
import * as z from "zod/mini";
import { isSqsEvent, recordJobEvents } from "../core/job-metrics";
import { JOB_EXECUTION_NAMESPACE, JOB_METRICS_SERVICE } from "../metric-names";

// The seed's metrics carry jobId alone: Powertools' default `service` dimension would make them other metrics
// than the ones a deployment's alarms name.
const perJob = new Metrics({ namespace: JOB_EXECUTION_NAMESPACE });
perJob.clearDefaultDimensions();

// Without a stack namespace (tests, local runs) the stack's sums are dropped, as the handler wrapper does.
const stackNamespace = Boolean(process.env.POWERTOOLS_METRICS_NAMESPACE?.trim());

export const handler = defineHandler({
  name: JOB_METRICS_SERVICE,
  // Each event is checked on its own (readJobEvent): one malformed event must not refuse the others.
  schema: z.unknown(),
  handler: async (event, { logger, metrics }) => {
    const result = recordJobEvents(event, {
      perJob,
      stack: stackNamespace ? metrics : undefined,
      // Where Powertools writes EMF: stdout, which CloudWatch Logs reads.
      write: (line) => void process.stdout.write(`${line}\n`),
      logger,
    });
    // Nothing a record holds can fail the batch (a malformed one would only come back malformed); a failure to
    // publish throws, and SQS delivers the whole batch again.
    return isSqsEvent(event) ? { ...result, batchItemFailures: [] } : result;
  },
});
