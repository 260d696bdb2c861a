// Where records land in the data bucket, derived from the configuration for everyone who must agree on it: infra
// (Firehose's prefixes, the Glue table's location and partition projection), the local delivery driver and the
// demo.
import { type FieldType, STANDARD_FIELDS, type TelemetryConfig } from "./config";

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

const GLUE_TYPES: Record<FieldType, string> = {
  string: "string",
  number: "double",
  integer: "bigint",
  boolean: "boolean",
  // ISO-8601 text: Athena reads it with from_iso8601_timestamp().
  timestamp: "string",
  json: "string",
};

/**
 * The table's columns as the records are written: CSV's fixed columns, or in JSON Lines the standard fields and
 * every typed or untyped field (flattened ones have no fixed names; list them as fields to query them). A column
 * typed differently by two message types is a string; a partition key's field is read from the prefix instead.
 */
export function tableColumns(config: TelemetryConfig): Array<{ name: string; type: string }> {
  const types = new Map<string, string>(STANDARD_FIELDS.map((name) => [name, "string"]));
  for (const field of config.messages.flatMap((message) => message.fields ?? [])) {
    if (field.flatten) continue;
    const type = field.type ? GLUE_TYPES[field.type] : "string";
    const known = types.get(field.name);
    types.set(field.name, known === undefined || known === type ? type : "string");
  }
  const names = config.output.format === "csv" ? config.output.columns : [...types.keys()];
  const partitions = new Set(config.partitionKeys.map((key) => key.name));
  return names
    .filter((name) => !partitions.has(name))
    .map((name) => ({ name: name.toLowerCase(), type: types.get(name) ?? "string" }));
}

/** Athena partition projection: dates as a date range, every other key injected (queries name its value). */
export function projectionParameters(bucket: string, config: TelemetryConfig): Record<string, string> {
  const parameters: Record<string, string> = {
    "projection.enabled": "true",
    "storage.location.template": projectionTemplate(bucket, config),
  };
  for (const key of config.partitionKeys) {
    if (key.source === "date") {
      Object.assign(parameters, {
        [`projection.${key.name}.type`]: "date",
        [`projection.${key.name}.format`]: "yyyy-MM-dd",
        [`projection.${key.name}.range`]: "2020-01-01,NOW",
        [`projection.${key.name}.interval`]: "1",
        [`projection.${key.name}.interval.unit`]: "DAYS",
      });
    } else parameters[`projection.${key.name}.type`] = "injected";
  }
  return parameters;
}
