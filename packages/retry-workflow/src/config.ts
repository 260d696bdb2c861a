// Every environment variable this package reads, declared once: the handlers load their subset at cold start
// (a bad value fails the cold start naming the variable) and the manifest derives what infra must set from the
// same table. Every number and name of the seed's flow is a variable with the seed's value as its default.
import { ConfigError, env, THING_NAME, type VarDeclaration, variableTable } from "@fleet/shared-aws";

const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.,@/:#=[\]-]{1,800}$/;
const ATTRIBUTE_NAMES = /^[a-zA-Z0-9_.,@/:#-]{1,128}(,[a-zA-Z0-9_.,@/:#-]{1,128})*$/;
/** The failure sources record-outcome accepts: the devices' own messages, AWS IoT job-execution events. */
export const FAILURE_SOURCES = ["device-data", "job-executions"] as const;
export type FailureSource = (typeof FAILURE_SOURCES)[number];

const seconds = (fallback: number, what: string): VarDeclaration<number> => ({
  // A Standard workflow waits up to a year.
  spec: env.number({ default: fallback, min: 0, max: 31_536_000, integer: true }),
  required: false,
  description: `${what}, in seconds (default ${fallback})`,
});

export const VARS = {
  RETRIES_TABLE: {
    spec: env.string(),
    required: true,
    description: "DeviceFirmwareRetries: each device's counter, cycle, phase and history",
    resource: "retries",
  },
  BACKUP_TABLE: {
    spec: env.string(),
    required: true,
    description: "DeviceAttributeBackup: each device's registry attributes at the first failure of a cycle",
    resource: "backups",
  },
  ESCALATION_ARN: {
    spec: env.string({ pattern: /^arn:aws[a-z-]*:states:/ }),
    required: true,
    description: "ARN of the escalation state machine record-outcome starts once per claimed escalation",
    resource: "escalation",
  },
  NOTIFICATIONS_TOPIC_ARN: {
    spec: env.string({ pattern: /^arn:aws[a-z-]*:sns:/ }),
    required: true,
    description: "Standard SNS topic told once per quarantined device and cycle",
    resource: "notifications",
  },
  RETRY_LIMIT: {
    spec: env.number({ default: 10, min: 1, max: 1000, integer: true }),
    required: false,
    description: "Failures that end a cycle (default 10, a CONTINUOUS job's own retry limit)",
  },
  COOL_DOWN_SECONDS: seconds(86_400, "How long a device stays moved out after its first cycle"),
  QUARANTINE_WAIT_SECONDS: seconds(
    900,
    "How long after marking it failed a device is put in the quarantine group",
  ),
  MOVED_ATTRIBUTES: {
    spec: env.string({ default: "FW,model", pattern: ATTRIBUTE_NAMES }),
    required: false,
    description:
      "Comma-separated registry attributes the dynamic group matches, moved out and restored (default FW,model)",
  },
  MOVE_OUT_VALUE: {
    spec: env.string({ default: "moveOut", pattern: ATTRIBUTE_VALUE }),
    required: false,
    description: "Value the moved attributes take during a cool-down (default moveOut)",
  },
  FAILED_VALUE: {
    spec: env.string({ default: "failedtoupdate", pattern: ATTRIBUTE_VALUE }),
    required: false,
    description: "Value the moved attributes take once a device is quarantined (default failedtoupdate)",
  },
  QUARANTINE_GROUP: {
    spec: env.string({ default: "FailedToUpdate", pattern: THING_NAME }),
    required: false,
    description: "Static thing group holding quarantined devices (default FailedToUpdate)",
  },
  GROUP_NAME_PREFIX: {
    spec: env.string({ default: "", pattern: /^[a-zA-Z0-9:_-]{0,64}$/ }),
    required: false,
    description: "The quarantine group must be named with this prefix (set by infra; default: any name)",
  },
  HISTORY_LIMIT: {
    spec: env.number({ default: 50, min: 10, max: 500, integer: true }),
    required: false,
    description:
      "Most recent events (transitions, successes, failed steps) kept in a device's history (default 50)",
  },
  FAILURE_SOURCES: {
    // One source by default: a device that both publishes its failure and reports it through the Jobs API would
    // have one attempt counted twice (the two messages share no key), ending its cycle after about 5 attempts.
    spec: env.string({
      default: "device-data",
      pattern: new RegExp(`^(${FAILURE_SOURCES.join("|")})(,(${FAILURE_SOURCES.join("|")}))*$`),
    }),
    required: false,
    description: `Comma-separated sources counted, of ${FAILURE_SOURCES.join(", ")} (default device-data); messages of another are ignored. Both on counts twice an attempt a device reports both ways`,
  },
  JOB_ID_PREFIX: {
    spec: env.string({ default: "", pattern: /^[a-zA-Z0-9_-]{0,64}$/ }),
    required: false,
    description:
      "Only job-execution events of jobs whose id starts with this count (the job rule selects them too; default: every job)",
  },
  CONCURRENCY: {
    spec: env.number({ default: 10, min: 1, max: 100, integer: true }),
    required: false,
    description: "Messages of one SQS batch recorded at once (default 10)",
  },
} satisfies Record<string, VarDeclaration<unknown>>;

const FLOW = ["RETRIES_TABLE", "BACKUP_TABLE"] as const;
const MOVED = ["MOVED_ATTRIBUTES", "MOVE_OUT_VALUE", "FAILED_VALUE"] as const;

/** The variables each handler reads. */
export const HANDLER_VARS = {
  "record-outcome": [
    ...FLOW,
    "ESCALATION_ARN",
    "RETRY_LIMIT",
    "COOL_DOWN_SECONDS",
    "QUARANTINE_WAIT_SECONDS",
    "HISTORY_LIMIT",
    "FAILURE_SOURCES",
    "JOB_ID_PREFIX",
    "CONCURRENCY",
  ],
  "move-attributes": ["RETRIES_TABLE", ...MOVED, "HISTORY_LIMIT"],
  "restore-attributes": [...FLOW, ...MOVED, "HISTORY_LIMIT"],
  quarantine: ["RETRIES_TABLE", "QUARANTINE_GROUP", "GROUP_NAME_PREFIX", "HISTORY_LIMIT"],
  notify: [...FLOW, "NOTIFICATIONS_TOPIC_ARN", "QUARANTINE_GROUP"],
  "escalation-failed": ["RETRIES_TABLE", "HISTORY_LIMIT"],
  "list-quarantined": ["RETRIES_TABLE", "QUARANTINE_GROUP", "GROUP_NAME_PREFIX"],
  release: [...FLOW, ...MOVED, "QUARANTINE_GROUP", "GROUP_NAME_PREFIX", "HISTORY_LIMIT"],
  "device-history": FLOW,
} as const satisfies Record<string, readonly (keyof typeof VARS)[]>;

export type HandlerName = keyof typeof HANDLER_VARS;

const variables = variableTable(VARS, HANDLER_VARS);
/** Reads the handler's variables from the environment (at cold start); throws a ConfigError naming each bad one. */
export const handlerConfig = variables.config;
/** The manifest's view of the same variables. */
export const handlerEnv = variables.env;

/** A comma-separated list as its entries. */
export const listOf = (value: string): string[] => value.split(",").filter((entry) => entry !== "");

/** What the workflow moves out and to which values, as the steps and the release use it. */
export const movedValues = (config: {
  MOVED_ATTRIBUTES: string;
  MOVE_OUT_VALUE: string;
  FAILED_VALUE: string;
}) => ({
  attributeNames: listOf(config.MOVED_ATTRIBUTES),
  moveOutValue: config.MOVE_OUT_VALUE,
  failedValue: config.FAILED_VALUE,
});

/** The quarantine group, refused at cold start unless named with the stack's group prefix (what its role may reach). */
export function quarantineGroup(config: { QUARANTINE_GROUP: string; GROUP_NAME_PREFIX: string }): string {
  if (!config.QUARANTINE_GROUP.startsWith(config.GROUP_NAME_PREFIX)) {
    throw new ConfigError(
      `QUARANTINE_GROUP ${config.QUARANTINE_GROUP} must start with GROUP_NAME_PREFIX ${config.GROUP_NAME_PREFIX}`,
    );
  }
  return config.QUARANTINE_GROUP;
}
