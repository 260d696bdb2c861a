// What an operator watches per batch: records in, Ok, Dropped, ProcessingFailed (the size limit's share apart),
// bytes in and out as Powertools metrics, and why records failed in the logs.
import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { TRANSFORM_METRICS } from "../metrics";
import type { TransformSummary } from "./transform";

export function recordBatch(
  { logger, metrics }: { logger: Pick<Logger, "info" | "warn">; metrics: Pick<Metrics, "addMetric"> },
  summary: TransformSummary,
): void {
  metrics.addMetric(TRANSFORM_METRICS.recordsIn, MetricUnit.Count, summary.records);
  metrics.addMetric(TRANSFORM_METRICS.ok, MetricUnit.Count, summary.ok);
  metrics.addMetric(TRANSFORM_METRICS.dropped, MetricUnit.Count, summary.dropped);
  metrics.addMetric(TRANSFORM_METRICS.processingFailed, MetricUnit.Count, summary.failed);
  metrics.addMetric(TRANSFORM_METRICS.overLimit, MetricUnit.Count, summary.overflowed);
  metrics.addMetric(TRANSFORM_METRICS.bytesIn, MetricUnit.Bytes, summary.bytesIn);
  metrics.addMetric(TRANSFORM_METRICS.bytesOut, MetricUnit.Bytes, summary.bytesOut);
  const { failures, ...counts } = summary;
  if (summary.failed > 0 || summary.duplicates > 0) {
    // Firehose keeps each failed record under the error prefix; these say why, with its recordId.
    logger.warn("records failed", { ...counts, failures, failuresOmitted: summary.failed - failures.length });
  } else logger.info("batch transformed", counts);
}
