// What an operator watches per batch: records in, Ok, Dropped, ProcessingFailed (the size limit's share apart),
// bytes in and out as Powertools metrics, and why records failed in the logs.
import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { TransformSummary } from "./transform";

export function recordBatch(
  { logger, metrics }: { logger: Pick<Logger, "info" | "warn">; metrics: Pick<Metrics, "addMetric"> },
  summary: TransformSummary,
): void {
  metrics.addMetric("RecordsIn", MetricUnit.Count, summary.records);
  metrics.addMetric("RecordsOk", MetricUnit.Count, summary.ok);
  metrics.addMetric("RecordsDropped", MetricUnit.Count, summary.dropped);
  metrics.addMetric("RecordsProcessingFailed", MetricUnit.Count, summary.failed);
  metrics.addMetric("RecordsOverLimit", MetricUnit.Count, summary.overflowed);
  metrics.addMetric("BytesIn", MetricUnit.Bytes, summary.bytesIn);
  metrics.addMetric("BytesOut", MetricUnit.Bytes, summary.bytesOut);
  const { failures, ...counts } = summary;
  if (summary.failed > 0 || summary.duplicates > 0) {
    // Firehose keeps each failed record under the error prefix; these say why, with its recordId.
    logger.warn("records failed", { ...counts, failures, failuresOmitted: summary.failed - failures.length });
  } else logger.info("batch transformed", counts);
}
