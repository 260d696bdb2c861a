// Every environment variable this package reads, declared once: the handlers load their subset at cold start
// (a bad value fails the cold start naming the variable) and the manifest derives what infra must set from
// the same table, so the two can never drift apart.
import { env, type VarDeclaration, variableTable } from "@fleet/shared-aws";

// Rates are calls per second; defaults are AWS IoT Core's default quotas. Accounts
// can have them raised, and several stacks may share one account, so each stack sets its own share.
const rate = (quota: string, fallback: number): VarDeclaration<number> => ({
  spec: env.number({ default: fallback, min: 0.1, max: 100_000 }),
  required: false,
  description: `${quota} calls per second this function may use (default ${fallback}, the AWS default quota)`,
});

// Set by infra from the stack's fleet:deployment.iot, whose IAM grants cover only these names; empty allows all.
const namePrefix = (what: string): VarDeclaration<string> => ({
  spec: env.string({ default: "", pattern: /^[a-zA-Z0-9:_-]{0,64}$/ }),
  required: false,
  description: `${what} must be named with this prefix (default: any name)`,
});

export const VARS = {
  LISTS_BUCKET: {
    spec: env.string(),
    required: true,
    description: "Bucket holding exclude lists and job documents (the stack's lists bucket)",
    resource: "lists",
  },
  STATE_MACHINE_ARN: {
    spec: env.string({ pattern: /^arn:aws[a-z-]*:states:/ }),
    required: true,
    description:
      "ARN of the targeted-job state machine: start-targeted-job starts it (or finds a running execution), teardown stops a job's running executions",
    resource: "targeted-job",
  },
  UPDATE_KEY: {
    spec: env.string({ default: "updateKey", pattern: /^[a-zA-Z0-9_]{1,64}$/ }),
    required: false,
    description:
      "Reported-shadow key written by fast-track and matched by the dynamic group (default updateKey)",
  },
  IOT_DATA_ENDPOINT: {
    spec: env.optionalString(),
    required: false,
    description: "The account's iot:Data-ATS endpoint; discovered with DescribeEndpoint when unset",
  },
  THING_NAME_PREFIX: namePrefix("Test things the tools create and delete"),
  // Set by infra from the stack's fleet:deployment.testFleetTools: without them the stack grants no thing deletion.
  TEST_FLEET_TOOLS: {
    spec: env.boolean({ default: true }),
    required: false,
    description:
      "Whether the stack deploys the test-fleet tools; where it does not (prod), teardown refuses thingPrefix (default true: local runs)",
  },
  GROUP_NAME_PREFIX: namePrefix("Jobs and the thing groups named after them"),
  CONCURRENCY: {
    spec: env.number({ default: 32, min: 1, max: 512, integer: true }),
    required: false,
    description: "AWS calls in flight at once in a paced step (default 32: enough for 400 calls/s at 80 ms)",
  },
  CREATE_THING_RATE: rate("CreateThing", 100),
  DESCRIBE_THING_RATE: rate("DescribeThing", 350),
  DELETE_THING_RATE: rate("DeleteThing", 100),
  LIST_THINGS_RATE: rate("ListThings", 10),
  ADD_THING_TO_GROUP_RATE: rate("AddThingToThingGroup", 100),
  LIST_THINGS_IN_GROUP_RATE: rate("ListThingsInThingGroup", 25),
  SEARCH_INDEX_RATE: rate("SearchIndex", 15),
  SHADOW_UPDATE_RATE: rate("UpdateThingShadow (account level)", 400),
} satisfies Record<string, VarDeclaration<unknown>>;

/** The variables each handler reads. */
export const HANDLER_VARS = {
  "seed-things": [
    "THING_NAME_PREFIX",
    "CREATE_THING_RATE",
    "DESCRIBE_THING_RATE",
    "DELETE_THING_RATE",
    "LIST_THINGS_RATE",
    "CONCURRENCY",
  ],
  "start-targeted-job": ["LISTS_BUCKET", "STATE_MACHINE_ARN", "UPDATE_KEY", "GROUP_NAME_PREFIX"],
  "fill-exclude-group": ["LISTS_BUCKET", "ADD_THING_TO_GROUP_RATE", "CONCURRENCY", "GROUP_NAME_PREFIX"],
  teardown: [
    "STATE_MACHINE_ARN",
    "DELETE_THING_RATE",
    "LIST_THINGS_RATE",
    "CONCURRENCY",
    "THING_NAME_PREFIX",
    "GROUP_NAME_PREFIX",
    "TEST_FLEET_TOOLS",
  ],
  preview: ["LISTS_BUCKET", "UPDATE_KEY", "SEARCH_INDEX_RATE"],
  "ensure-indexing": [],
  "index-status": [],
  "confirm-exclusions": ["SEARCH_INDEX_RATE", "LIST_THINGS_IN_GROUP_RATE"],
  "create-target-group": ["GROUP_NAME_PREFIX"],
  "create-job": ["GROUP_NAME_PREFIX"],
  "fast-track": [
    "LISTS_BUCKET",
    "SEARCH_INDEX_RATE",
    "SHADOW_UPDATE_RATE",
    "CONCURRENCY",
    "IOT_DATA_ENDPOINT",
  ],
} as const satisfies Record<string, readonly (keyof typeof VARS)[]>;

export type HandlerName = keyof typeof HANDLER_VARS;
const variables = variableTable(VARS, HANDLER_VARS);
/** Reads the handler's variables from the environment (at cold start); throws a ConfigError naming each bad one. */
export const handlerConfig = variables.config;
/** The manifest's view of the same variables. */
export const handlerEnv = variables.env;
