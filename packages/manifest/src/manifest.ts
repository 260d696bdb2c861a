// The contract between a domain package and the layers above it (infra, the bundler, the local apps): what
// to bundle, what each function needs to run, the resources the package owns and which handler reads which.

export interface EnvVarSpec {
  description: string;
  /** A required variable must be set by infra; an optional one has a default in the handler's config. */
  required: boolean;
  /**
   * The package resource or state machine this variable carries, by its name in `resources` or
   * `stateMachines`: infra (and the local stack) set it to that resource's value (see `ResourceSpec`). Absent
   * for settings (rates, keys), which come from the stack's config or the handler's defaults.
   */
  resource?: string;
}

export interface LambdaHandlerSpec {
  /** Source entry, relative to the package directory, e.g. `src/handlers/seed-things.ts`. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Every environment variable the handler reads. */
  env: Record<string, EnvVarSpec>;
  /**
   * Package resources the handler uses without a variable naming them, e.g. an S3 object its event names
   * that AWS reads with the handler's credentials. Its role is granted on them as on those its variables carry.
   */
  uses?: string[];
  /**
   * A test-fleet tool: it creates or deletes devices (seeding a test fleet), so a stack that deploys no such
   * tools (prod) leaves it out with its role and grants. A state machine may not call one.
   */
  testFleetTool?: boolean;
}

/** How long and with how much memory a handler runs. */
export type HandlerSizing = Pick<LambdaHandlerSpec, "timeoutSeconds" | "memoryMb">;

/**
 * A package's handler entries: each handler's source is `src/handlers/<name>.ts` and its variables are those
 * `envOf(name)` declares (the package's variable table), so a manifest lists only what differs per handler.
 */
export function handlerEntries<N extends string>(envOf: (name: N) => Record<string, EnvVarSpec>) {
  return (
    name: N,
    description: string,
    sizing: HandlerSizing,
    extra: Pick<LambdaHandlerSpec, "uses" | "testFleetTool"> = {},
  ): [N, LambdaHandlerSpec] => [
    name,
    { entry: `src/handlers/${name}.ts`, description, ...sizing, env: envOf(name), ...extra },
  ];
}

/** An S3 bucket: encrypted, versioned, private, TLS-only. A variable carrying it holds the bucket's name. */
export interface BucketSpec {
  kind: "bucket";
  description: string;
}

/** A DynamoDB table, on-demand, keys of type string. A variable carrying it holds the table's name. */
export interface TableSpec {
  kind: "table";
  description: string;
  partitionKey: string;
  sortKey?: string;
  /**
   * A Number attribute holding epoch seconds: with it the table's time-to-live is enabled, and DynamoDB deletes
   * an item some time (within days) after the moment its attribute names. Items without it are kept.
   */
  ttlAttribute?: string;
}

/** The key every package topic is encrypted with, in AWS and in the local stack. */
export const TOPIC_KMS_KEY = "alias/aws/sns";

/**
 * An SNS standard topic, encrypted with the account's AWS-managed SNS key (`alias/aws/sns`), whose key policy lets
 * any principal of the account use it through SNS: a handler allowed to publish needs no KMS grant. A variable
 * carrying it holds the topic's ARN. AWS services cannot publish to such a topic (that key admits no service
 * principal): a topic CloudWatch alarms, EventBridge or S3 notify is created in the domain's component instead.
 */
export interface TopicSpec {
  kind: "topic";
  description: string;
}

/** How long every package queue keeps a message: 14 days, the most SQS allows. */
export const QUEUE_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/**
 * An SQS standard queue, encrypted with SQS-managed keys, keeping its messages 14 days (the most SQS allows, so
 * that a stalled consumer or an unread dead-letter queue loses nothing). A variable carrying it holds the queue's
 * URL, which SQS calls take; IAM grants name its ARN.
 */
export interface QueueSpec {
  kind: "queue";
  description: string;
  /**
   * Another queue of the package, which a message moves to once it was received `maxReceives` times (1–1000)
   * without being deleted. A dead-letter queue has none of its own.
   */
  deadLetter?: { queue: string; maxReceives: number };
}

export type ResourceSpec = BucketSpec | TableSpec | TopicSpec | QueueSpec;

export interface StateMachineSpec {
  description: string;
  /**
   * Amazon States Language. Task states call `arn:aws:states:::lambda:invoke` with
   * `"FunctionName": "${<handler-name>}"`; infra substitutes each placeholder with that function's ARN.
   * A variable carrying the state machine holds its ARN.
   */
  definition: Record<string, unknown>;
}

export interface PackageManifest {
  /** Short name used in resource names, e.g. `jobs-targeting`. */
  name: string;
  /** The package directory relative to the repository root; bundles are in `<packageDir>/dist/<handler>/`. */
  packageDir: string;
  /** The resources the package owns, by logical name: created with it in every stack and in the local stack. */
  resources: Record<string, ResourceSpec>;
  handlers: Record<string, LambdaHandlerSpec>;
  stateMachines: Record<string, StateMachineSpec>;
}
