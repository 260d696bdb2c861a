// What a team writes instead of a Lambda: which messages arrive on which topics (their schema and the fields to
// keep), the output format and the partition keys. One schema, read by the transformation at cold start and by
// infra at deployment (the Firehose prefix and the Glue table follow from it), so the two cannot disagree.
import { ConfigError, parseOrThrow, ValidationError } from "@fleet/shared-aws";
import * as z from "zod/mini";

export const FIELD_TYPES = ["string", "number", "integer", "boolean", "timestamp", "json"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** The fields every output record starts with, in this order. */
export const STANDARD_FIELDS = ["topic", "deviceId", "timestamp", "receivedAt"] as const;

const NAME = /^[a-z_][a-z0-9_]{0,63}$/;
const PATH = /^[^.\s]+(\.[^.\s]+)*$/;
const name = z
  .string()
  .check(z.regex(NAME, "must be 1-64 lower-case letters, digits or '_', not starting with a digit"));
const path = z.string().check(z.regex(PATH, "must be a dotted path such as sensors.temp"));
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const fieldSchema = z.strictObject({
  /** The output column. */
  name,
  /** Where the value is in the message (default: the column's name). */
  from: z.optional(path),
  /** Coerced to this type; a value that cannot be is an invalid message (default: kept as it is). */
  type: z.optional(z.enum(FIELD_TYPES)),
  required: z._default(z.boolean(), false),
  /** An object spread into `<name>_<key>` columns, nested keys joined with `_`. */
  flatten: z._default(z.boolean(), false),
});

const messageSchema = z.strictObject({
  /** An MQTT topic filter (`+` one level, `#` the rest); the first message type whose filter matches applies. */
  topic: z.string().check(
    z.minLength(1),
    z.refine(
      (filter) => filterProblem(filter) === undefined,
      "must be an MQTT topic filter: '+' alone in a level, '#' alone in the last",
    ),
  ),
  /** Where the device id is: a level of the topic (1 = first) or a field of the message. */
  deviceId: z._default(
    z.union([
      z.strictObject({ topicLevel: z.int().check(z.minimum(1), z.maximum(8)) }),
      z.strictObject({ field: path }),
    ]),
    { topicLevel: 2 },
  ),
  /** The message's own timestamp (epoch seconds or ms, or ISO-8601 with a zone); default: when the rule received it. */
  timestamp: z.optional(
    z.strictObject({ field: path, unit: z._default(z.enum(["auto", "s", "ms", "iso"]), "auto") }),
  ),
  /** The fields to keep, each validated; without it every field of the message is kept as it is. */
  fields: z.optional(z.array(fieldSchema).check(z.minLength(1))),
  /** Messages matching any rule are dropped on purpose (heartbeats, test traffic). */
  drop: z._default(z.array(z.strictObject({ field: path, equals: z.union([scalar, z.array(scalar)]) })), []),
});

const partitionKeySchema = z.strictObject({
  name,
  /** The device id, the UTC date (yyyy-mm-dd) of the timestamp, or a required output field. */
  source: z.enum(["deviceId", "date", "field"]),
  field: z.optional(name),
});

export const telemetryConfigSchema = z
  .strictObject({
    messages: z.array(messageSchema).check(z.minLength(1)),
    output: z._default(
      z.union([
        z.strictObject({ format: z.literal("jsonl") }),
        z.strictObject({ format: z.literal("csv"), columns: z.array(z.string()).check(z.minLength(1)) }),
      ]),
      { format: "jsonl" },
    ),
    // At least one key: dynamic partitioning needs a partition expression in the prefix.
    partitionKeys: z._default(z.array(partitionKeySchema).check(z.minLength(1), z.maxLength(4)), [
      { name: "device", source: "deviceId" },
      { name: "dt", source: "date" },
    ]),
  })
  .check(
    z.superRefine((config, ctx) => {
      for (const problem of crossFieldProblems(config)) ctx.addIssue({ code: "custom", message: problem });
    }),
  );

export type TelemetryConfig = z.output<typeof telemetryConfigSchema>;
export type TelemetryConfigInput = z.input<typeof telemetryConfigSchema>;
export type MessageType = TelemetryConfig["messages"][number];
export type FieldMapping = NonNullable<MessageType["fields"]>[number];
export type PartitionKey = TelemetryConfig["partitionKeys"][number];

/** The seed's behaviour: any topic, the device from the second level, every field kept, by device and day. */
export const DEFAULT_CONFIG: TelemetryConfigInput = { messages: [{ topic: "#" }] };

/** Why `filter` is no MQTT topic filter, or undefined. */
export function filterProblem(filter: string): string | undefined {
  const levels = filter.split("/");
  return levels.every(
    (level, i) =>
      (!level.includes("+") || level === "+") &&
      (!level.includes("#") || (level === "#" && i === levels.length - 1)),
  )
    ? undefined
    : "bad wildcard";
}

/** Every column a message type can write: the standard ones, then its fields (flattened ones by prefix). */
export function outputColumns(message: MessageType): string[] {
  return [...STANDARD_FIELDS, ...(message.fields ?? []).map((field) => field.name)];
}

function crossFieldProblems(config: {
  messages: MessageType[];
  output: TelemetryConfig["output"];
  partitionKeys: PartitionKey[];
}): string[] {
  const problems: string[] = [];
  config.messages.forEach((message, i) => {
    const names = (message.fields ?? []).map((field) => field.name);
    for (const taken of names.filter(
      (n, j) => names.indexOf(n) !== j || STANDARD_FIELDS.includes(n as never),
    )) {
      problems.push(`messages.${i}.fields: ${taken} is a standard field or named twice`);
    }
    (message.fields ?? []).forEach((field, j) => {
      if (field.name === "__proto__") problems.push(`messages.${i}.fields.${j}: __proto__ is no column name`);
      if (field.flatten && field.type !== undefined)
        problems.push(`messages.${i}.fields.${j}: a flattened field keeps its leaves' types; give no type`);
    });
  });
  const keyNames = config.partitionKeys.map((key) => key.name);
  config.partitionKeys.forEach((key, i) => {
    if (keyNames.indexOf(key.name) !== i) problems.push(`partitionKeys.${i}: ${key.name} is named twice`);
    if ((key.source === "field") !== (key.field !== undefined))
      problems.push(`partitionKeys.${i}: give field exactly when source is field`);
    if ((STANDARD_FIELDS as readonly string[]).includes(key.name))
      problems.push(`partitionKeys.${i}: ${key.name} is a standard column; the table would lose it`);
    if (config.output.format === "csv" && config.output.columns.includes(key.name))
      problems.push(
        `partitionKeys.${i}: ${key.name} is also a CSV column; the table reads partition keys from the prefix`,
      );
    if (key.source === "field" && key.field) {
      const shaped = config.messages.some((message) =>
        (message.fields ?? []).some((f) => f.name === key.field && (f.flatten || f.type === "json")),
      );
      if (shaped) problems.push(`partitionKeys.${i}: ${key.field} is flattened or JSON, no partition value`);
      const missing = config.messages.findIndex(
        (message) => message.fields && !message.fields.some((f) => f.name === key.field && f.required),
      );
      if (missing >= 0)
        problems.push(`partitionKeys.${i}: messages.${missing} has no required field ${key.field}`);
    }
  });
  if (config.output.format === "csv") {
    const known = new Set(config.messages.flatMap(outputColumns));
    const flattened = config.messages.flatMap((m) =>
      (m.fields ?? []).filter((f) => f.flatten).map((f) => `${f.name}_`),
    );
    for (const column of config.output.columns) {
      if (!known.has(column) && !flattened.some((prefix) => column.startsWith(prefix)))
        problems.push(`output.columns: ${column} is written by no message type`);
    }
  }
  return problems;
}

/** Parses the configuration (JSON text or a value); throws a ConfigError naming every bad field. */
export function parseTelemetryConfig(
  source: string | unknown,
  subject = "TELEMETRY_CONFIG",
): TelemetryConfig {
  let value = source;
  if (typeof source === "string") {
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new ConfigError(`${subject} is not JSON: ${(error as Error).message}`);
    }
  }
  try {
    return parseOrThrow(telemetryConfigSchema, value, subject);
  } catch (error) {
    // At cold start or deployment a bad configuration is a ConfigError, with the same per-field lines.
    if (!(error instanceof ValidationError)) throw error;
    throw new ConfigError(error.message, { details: { problems: error.issues } });
  }
}
