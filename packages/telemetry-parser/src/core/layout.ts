// Where records land in the data bucket, derived from the configuration for everyone who must agree on it: infra
// (Firehose's prefixes, the Glue table's location and partition projection), the local delivery driver and the
// demo.
import { EARLIEST_DEVICE_TIME } from "@fleet/shared-aws";
import { type FieldType, STANDARD_FIELDS, type TelemetryConfig } from "./config";

export const DATA_ROOT = "data/";
/** Firehose fills in why (processing-failed, partitioning failures…) and when. */
export const ERROR_PREFIX =
  "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/";
/** Where the topic rules write what they could not deliver (their error action) or refused (reserved keys). */
export const RULE_ERRORS_PREFIX = "rule-errors/";
export const RULE_REFUSED_PREFIX = `${RULE_ERRORS_PREFIX}reserved-keys/`;
/** Raw batches in the raw bucket, by arrival hour. */
export const RAW_PREFIX = "raw/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/";

/** `data/device=!{partitionKeyFromLambda:device}/dt=!{partitionKeyFromLambda:dt}/` for the default keys. */
export const dataPrefix = (config: Pick<TelemetryConfig, "partitionKeys">): string =>
  `${DATA_ROOT}${config.partitionKeys.map((key) => `${key.name}=!{partitionKeyFromLambda:${key.name}}/`).join("")}`;

/** The same layout as Athena's partition projection template: `${device}` for each key. */
const projectionTemplate = (bucket: string, config: Pick<TelemetryConfig, "partitionKeys">): string =>
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
 * typed differently by two message types is a string. Every CSV column is a string: OpenCSVSerDe reads an empty
 * (missing) value in a numeric column as bad data; cast in the query. A JSON field named like a partition key is
 * read from the prefix instead (the same value); config.ts refuses a CSV column or standard field so named.
 */
export function tableColumns(
  config: TelemetryConfig,
  partitionKeys: TelemetryConfig["partitionKeys"] = config.partitionKeys,
): Array<{ name: string; type: string }> {
  const types = new Map<string, string>(STANDARD_FIELDS.map((name) => [name, "string"]));
  for (const field of config.messages.flatMap((message) => message.fields ?? [])) {
    if (field.flatten) continue;
    const type = field.type ? GLUE_TYPES[field.type] : "string";
    const known = types.get(field.name);
    types.set(field.name, known === undefined || known === type ? type : "string");
  }
  if (config.output.format === "csv")
    return config.output.columns.map((name) => ({ name: name.toLowerCase(), type: "string" }));
  const partitions = new Set(partitionKeys.map((key) => key.name));
  return [...types]
    .filter(([name]) => !partitions.has(name))
    .map(([name, type]) => ({ name: name.toLowerCase(), type }));
}

/**
 * The fleet-wide table's partition keys: the leading date keys of the layout. Athena reads every object below a
 * partition's location, so with `dt` first (`partitionKeys: [dt, device]`) a day of the whole fleet is one
 * projected partition; with the default `device` first the fleet table has no partition and a query reads every
 * object under data/ (the per-device table reads one device's days).
 */
export const fleetPartitionKeys = (config: TelemetryConfig): TelemetryConfig["partitionKeys"] => {
  const leading = config.partitionKeys.findIndex((key) => key.source !== "date");
  return leading < 0 ? config.partitionKeys : config.partitionKeys.slice(0, leading);
};

/**
 * Athena partition projection over `partitionKeys` (by default every key of the layout): dates as a date range,
 * every other key injected (queries name its value: a device id is no enumerable set). Undefined without keys.
 */
export function projectionParameters(
  bucket: string,
  config: TelemetryConfig,
  partitionKeys: TelemetryConfig["partitionKeys"] = config.partitionKeys,
): Record<string, string> | undefined {
  if (partitionKeys.length === 0) return undefined;
  const parameters: Record<string, string> = {
    "projection.enabled": "true",
    "storage.location.template": projectionTemplate(bucket, { partitionKeys }),
  };
  for (const key of partitionKeys) {
    if (key.source === "date") {
      Object.assign(parameters, {
        [`projection.${key.name}.type`]: "date",
        [`projection.${key.name}.format`]: "yyyy-MM-dd",
        // The transformation refuses timestamps outside this range, so every landed date is read.
        [`projection.${key.name}.range`]: `${EARLIEST_DEVICE_TIME},NOW+1DAYS`,
        [`projection.${key.name}.interval`]: "1",
        [`projection.${key.name}.interval.unit`]: "DAYS",
      });
    } else parameters[`projection.${key.name}.type`] = "injected";
  }
  return parameters;
}
