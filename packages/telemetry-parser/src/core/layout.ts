// Where records land in the data bucket, derived from the configuration for everyone who must agree on it: infra
// (Firehose's prefixes, the Glue table's location and partition projection), the local delivery driver and the
// demo.
import type { TelemetryConfig } from "./config";

export const DATA_ROOT = "data/";
/** Firehose fills in why (processing-failed, partitioning failures…) and when. */
export const ERROR_PREFIX =
  "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/";
/** Raw batches in the raw bucket, by arrival hour. */
export const RAW_PREFIX = "raw/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/";

/** `data/device=!{partitionKeyFromLambda:device}/dt=!{partitionKeyFromLambda:dt}/` for the default keys. */
export const dataPrefix = (config: Pick<TelemetryConfig, "partitionKeys">): string =>
  `${DATA_ROOT}${config.partitionKeys.map((key) => `${key.name}=!{partitionKeyFromLambda:${key.name}}/`).join("")}`;

/** The same layout as Athena's partition projection template: `${device}` for each key. */
export const projectionTemplate = (bucket: string, config: Pick<TelemetryConfig, "partitionKeys">): string =>
  `s3://${bucket}/${DATA_ROOT}${config.partitionKeys.map((key) => `${key.name}=\${${key.name}}/`).join("")}`;

/** The objects' extension: the format, GZIP-compressed (the seed's `.csv.gz`). */
export const fileExtension = (config: Pick<TelemetryConfig, "output">): string =>
  config.output.format === "csv" ? ".csv.gz" : ".jsonl.gz";
