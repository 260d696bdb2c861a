// The names of what the transform handler publishes per batch (namespace `Fleet/<stack>`, dimension
// `service: transform`), shared with infra's dashboard and alarms so a chart or an alarm can never name a metric
// nothing emits.

export const TRANSFORM_SERVICE = "transform";

export const TRANSFORM_METRICS = {
  recordsIn: "RecordsIn",
  ok: "RecordsOk",
  dropped: "RecordsDropped",
  processingFailed: "RecordsProcessingFailed",
  overLimit: "RecordsOverLimit",
  bytesIn: "BytesIn",
  bytesOut: "BytesOut",
} as const;
