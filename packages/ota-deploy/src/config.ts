// Every environment variable this package reads, declared once: the handlers load their subset at cold start
// (a bad value fails the cold start naming the variable) and the manifest derives what infra must set from the
// same table, so the two can never drift apart.
import { env, type VarDeclaration, variableTable } from "@fleet/shared-aws";

/** An SNS topic ARN, or empty: the stack has no such topic. */
const TOPIC_ARN = /^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]{1,256})?$/;

export const VARS = {
  FIRMWARE_BUCKET: {
    spec: env.string(),
    required: true,
    description: "Bucket holding firmware, release records, target lists and custom job documents",
    resource: "firmware",
  },
  OTA_ROLE_ARN: {
    spec: env.optionalString(),
    required: false,
    description:
      "Role IoT assumes to read firmware for streams, used when the deployment config names no roleArn (infra sets the stack's OTA role)",
  },
  SIGNING_KEY_ID: {
    spec: env.optionalString(),
    required: false,
    description:
      "Asymmetric KMS key (ECC_NIST_P256) that signs releases; unset: releases carry their MD5 only",
  },
  DOCUMENT_URL_HOSTS: {
    spec: env.string({ default: "", pattern: /^[a-z0-9.,-]*$/ }),
    required: false,
    description:
      "Comma-separated hosts a custom job document may be fetched from over https (default: none, URL mode refused)",
  },
  GROUP_NAME_PREFIX: {
    spec: env.string({ default: "", pattern: /^[a-zA-Z0-9:_-]{0,64}$/ }),
    required: false,
    description: "Jobs, streams and target groups must be named with this prefix (default: any name)",
  },
  DEFAULT_ROUND_DEADLINE_MINUTES: {
    spec: env.number({ default: 120, min: 1, max: 10_080, integer: true }),
    required: false,
    description: "A round's deadline when the deployment config gives none (default 120 minutes)",
  },
  MAX_ROUND_DEADLINE_MINUTES: {
    spec: env.number({ default: 10_080, min: 1, max: 10_080, integer: true }),
    required: false,
    description:
      "The longest round deadline a deployment config may ask for on this stack (default 10080 minutes, AWS's in-progress timeout maximum)",
  },
  CONCURRENCY: {
    spec: env.number({ default: 16, min: 1, max: 512, integer: true }),
    required: false,
    description: "AWS calls in flight at once in the paced target-group fill (default 16)",
  },
  ADD_THING_TO_GROUP_RATE: {
    spec: env.number({ default: 100, min: 0.1, max: 100_000 }),
    required: false,
    description:
      "AddThingToThingGroup calls per second the target-group fill may use (default 100, the AWS default quota)",
  },
  JOB_STATUS_RATE: {
    spec: env.number({ default: 10, min: 0.1, max: 1000 }),
    required: false,
    description:
      "IoT calls per second the status handler makes, DescribeJob, ListJobExecutionsForJob and DescribeJobExecution alike (default 10, the AWS default quota of DescribeJob and ListJobExecutionsForJob)",
  },
  ALARM_NAME_PREFIX: {
    spec: env.string({ default: "ota-deploy-round-alarm-", pattern: /^[a-zA-Z0-9_-]{1,64}$/ }),
    required: false,
    description:
      "How the names of the per-round alarms start (infra sets the stack's `<namePrefix>ota-deploy-round-alarm-`, which none of the stack's own alarms matches); the handlers' CloudWatch grants and the force stopper reach only alarms named so",
  },
  EMAIL_TOPIC_ARN: {
    spec: env.string({ default: "", pattern: TOPIC_ARN }),
    required: false,
    description:
      "The stack's email-notification topic (infra sets it): alarms naming it notify it, the force stopper reports there (default: none)",
  },
  SMS_TOPIC_ARN: {
    spec: env.string({ default: "", pattern: TOPIC_ARN }),
    required: false,
    description: "The stack's sms-notification topic (infra sets it), for alarms naming it (default: none)",
  },
  FORCE_STOP_TOPIC_ARN: {
    spec: env.string({ default: "", pattern: TOPIC_ARN }),
    required: false,
    description:
      "The stack's ota-force-stopper topic (infra sets it): an alarm naming it cancels its round's job; the force stopper acts only on notifications from it, of alarms whose actions name it (default: none)",
  },
  SCHEDULE_TABLE: {
    spec: env.string(),
    required: true,
    description: "The schedule queue: deployments by status (PendingDeployment, Claimed, Deployed, Failed)",
    resource: "schedule",
  },
  DEPLOY_STATE_MACHINE_ARN: {
    spec: env.string({ pattern: /^arn:aws[a-z-]*:states:/ }),
    required: true,
    description: "ARN of the deploy state machine the deployer starts once per queued deployment",
    resource: "deploy",
  },
  DEPLOYMENTS_PER_RUN: {
    spec: env.number({ default: 1, min: 1, max: 10, integer: true }),
    required: false,
    description:
      "Deployments one deployer run claims and starts, oldest first (default 1: the schedule's rate is the queue's pace)",
  },
  MAX_START_ATTEMPTS: {
    spec: env.number({ default: 5, min: 1, max: 20, integer: true }),
    required: false,
    description:
      "Runs that try to start a queued deployment whose start keeps failing for a reason that may pass, before it is marked Failed (default 5)",
  },
  SCHEDULE_HISTORY_DAYS: {
    spec: env.number({ default: 90, min: 1, max: 3650, integer: true }),
    required: false,
    description:
      "Days a Deployed or Failed schedule entry is kept after it settles, then deleted by the table's time-to-live (default 90)",
  },
} satisfies Record<string, VarDeclaration<unknown>>;

/** What checking a deployment reads (plan-deployment, and add-schedule before it queues one). */
const DEPLOYMENT_CHECK_VARS = [
  "FIRMWARE_BUCKET",
  "OTA_ROLE_ARN",
  "DOCUMENT_URL_HOSTS",
  "GROUP_NAME_PREFIX",
  "DEFAULT_ROUND_DEADLINE_MINUTES",
  "MAX_ROUND_DEADLINE_MINUTES",
  "EMAIL_TOPIC_ARN",
  "SMS_TOPIC_ARN",
  "FORCE_STOP_TOPIC_ARN",
] as const;

/** The variables each handler reads. */
export const HANDLER_VARS = {
  release: ["FIRMWARE_BUCKET", "SIGNING_KEY_ID"],
  "plan-deployment": DEPLOYMENT_CHECK_VARS,
  "fill-target-group": ["FIRMWARE_BUCKET", "ADD_THING_TO_GROUP_RATE", "CONCURRENCY", "GROUP_NAME_PREFIX"],
  "deploy-round": [
    "GROUP_NAME_PREFIX",
    "ALARM_NAME_PREFIX",
    "EMAIL_TOPIC_ARN",
    "SMS_TOPIC_ARN",
    "FORCE_STOP_TOPIC_ARN",
  ],
  "round-status": [],
  "job-metrics": [],
  status: ["GROUP_NAME_PREFIX", "JOB_STATUS_RATE"],
  "clean-up": ["FIRMWARE_BUCKET", "GROUP_NAME_PREFIX", "ALARM_NAME_PREFIX"],
  "force-stopper": ["GROUP_NAME_PREFIX", "ALARM_NAME_PREFIX", "EMAIL_TOPIC_ARN", "FORCE_STOP_TOPIC_ARN"],
  "add-schedule": [...DEPLOYMENT_CHECK_VARS, "SCHEDULE_TABLE"],
  "list-schedule": ["SCHEDULE_TABLE"],
  deployer: [
    "SCHEDULE_TABLE",
    "DEPLOY_STATE_MACHINE_ARN",
    "DEPLOYMENTS_PER_RUN",
    "MAX_START_ATTEMPTS",
    "SCHEDULE_HISTORY_DAYS",
  ],
} as const satisfies Record<string, readonly (keyof typeof VARS)[]>;

export type HandlerName = keyof typeof HANDLER_VARS;

const variables = variableTable(VARS, HANDLER_VARS);
/** Reads the handler's variables from the environment (at cold start); throws a ConfigError naming each bad one. */
export const handlerConfig = variables.config;
/** The manifest's view of the same variables. */
export const handlerEnv = variables.env;
