// Every environment variable the transformation reads, declared once: the handler loads them at cold start (a bad
// value fails it, naming the variable and each bad field of the configuration) and the manifest derives what
// infra sets from the same table.
import { env, variableTable } from "@fleet/shared-aws";
import { DEFAULT_CONFIG, parseTelemetryConfig, type TelemetryConfig } from "./core/config";

export const VARS = {
  TELEMETRY_CONFIG: {
    spec: env.string({ default: JSON.stringify(DEFAULT_CONFIG) }),
    required: false,
    description:
      "The message types, field mapping, output format and partition keys as JSON (see the package README); infra sets it from fleet:telemetryParser.component.transform. Default: any topic, device id from its second level, every field kept, JSON Lines by device and day",
  },
};

const variables = variableTable(VARS, { transform: ["TELEMETRY_CONFIG"] } as const);
/** The manifest's view of the handler's variables. */
export const handlerEnv = variables.env;

/** The transformation's configuration from the environment; throws a ConfigError naming every problem. */
export function transformConfig(source: Record<string, string | undefined> = process.env): TelemetryConfig {
  const { TELEMETRY_CONFIG } = variables.config("transform", source);
  return parseTelemetryConfig(TELEMETRY_CONFIG);
}
