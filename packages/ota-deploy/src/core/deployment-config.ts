// The deployment config: every option of the original tool's dev.ini (and CreateJob's retry config), typed, with
// AWS's ranges. A bad value is refused with the field named and its allowed range, before any AWS call.
// The alarm sections (ALARM_CONFIG) are `alarms`, whose schema lives in alarm-config.ts.
import {
  parseOrThrow,
  ROLE_ARN,
  STREAM_ID,
  THING_NAME,
  THING_NAME_OR_ARN,
  ValidationError,
} from "@fleet/shared-aws";
import * as z from "zod/mini";
import deployDefinition from "../deploy.asl.json" with { type: "json" };
import { alarmsSchema } from "./alarm-config";
import { int } from "./schema-helpers";

/** Job ids: 1–64 of [a-zA-Z0-9_-]; the round number is appended (`-r<n>`), so 58 are left for the name. */
export const JOB_ID = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,57}$/;
/** Release versions name S3 keys and job documents: letters, digits, '.', '_', '-', '+'. */
export const RELEASE_VERSION = /^[a-zA-Z0-9][a-zA-Z0-9._+-]{0,63}$/;
/** CreateJob takes at most 100 targets: more things go through a static group. */
export const MAX_DIRECT_TARGETS = 100;

const decimals = (places: number) => (n: number) =>
  Math.abs(Math.round(n * 10 ** places) - n * 10 ** places) < 1e-9;
const pattern = (regex: RegExp, what: string) => z.string().check(z.regex(regex, what));

export const jobIdSchema = pattern(
  JOB_ID,
  "must be 1-58 letters, digits, '_' or '-', starting with a letter or digit",
);
export const streamIdSchema = pattern(STREAM_ID, "must be 1-128 letters, digits, '_' or '-'");
export const thingNameSchema = pattern(THING_NAME, "must be 1-128 letters, digits, ':', '_' or '-'");
const thingRefSchema = pattern(
  THING_NAME_OR_ARN,
  "must be a thing name (1-128 letters, digits, ':', '_' or '-') or a thing ARN",
);
export const releaseVersionSchema = pattern(
  RELEASE_VERSION,
  "must be 1-64 letters, digits, '.', '_', '+' or '-', starting with a letter or digit",
);
export const roleArnSchema = pattern(
  ROLE_ARN,
  "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
);
export const fileIdSchema = int(0, 255);
const objectKey = z.string().check(z.minLength(1), z.maxLength(1024));

export const targetsSchema = z.union([
  /** Thing names (or thing ARNs); more than 100 are targeted through a static group. */
  z.strictObject({ things: z.array(thingRefSchema).check(z.minLength(1, "must name at least one thing")) }),
  /** An existing thing group (static or dynamic). */
  z.strictObject({ thingGroup: thingNameSchema }),
  /** A list of thing names in the firmware bucket, one a line; targeted through a static group. */
  z.strictObject({ thingListKey: objectKey }),
]);

export const documentSourceSchema = z.union([
  z.strictObject({ inline: z.record(z.string(), z.unknown()) }),
  /** An object in the firmware bucket (or `bucket`, when the stack grants reading it). */
  z.strictObject({
    s3: z.strictObject({ bucket: z.optional(z.string().check(z.minLength(3))), key: objectKey }),
  }),
  /** An https URL whose host is on the stack's allow-list (DOCUMENT_URL_HOSTS). */
  z.strictObject({ url: z.url({ protocol: /^https$/, error: "must be an https URL" }) }),
]);

const rolloutSchema = z.strictObject({
  maximumPerMinute: int(1, 1000),
  exponentialRate: z.optional(
    z.strictObject({
      baseRatePerMinute: int(1, 1000),
      incrementFactor: z
        .number()
        .check(
          z.minimum(1.1, "must be from 1.1 to 5.0"),
          z.maximum(5, "must be from 1.1 to 5.0"),
          z.refine(decimals(1), "must have at most one decimal (e.g. 1.5, not 1.55)"),
        ),
      rateIncreaseCriteria: z
        .strictObject({
          numberOfNotifiedThings: z.optional(int(1, 1_000_000)),
          numberOfSucceededThings: z.optional(int(1, 1_000_000)),
        })
        .check(
          z.refine(
            (c) => (c.numberOfNotifiedThings === undefined) !== (c.numberOfSucceededThings === undefined),
            "give exactly one of numberOfNotifiedThings, numberOfSucceededThings (AWS takes one criterion)",
          ),
        ),
    }),
  ),
});

export const FAILURE_TYPES = ["ALL", "FAILED", "REJECTED", "TIMED_OUT"] as const;

const abortCriterion = z.strictObject({
  failureType: z.enum(FAILURE_TYPES),
  action: z._default(z.literal("CANCEL"), "CANCEL"),
  thresholdPercentage: z
    .number()
    .check(
      z.gt(0, "must be above 0 and at most 100"),
      z.maximum(100, "must be above 0 and at most 100"),
      z.refine(decimals(2), "must have at most two decimals (e.g. 10.99, not 10.999)"),
    ),
  minNumberOfExecutedThings: int(1, 1_000_000),
});

const retryCriterion = z.strictObject({
  failureType: z.enum(["FAILED", "TIMED_OUT", "ALL"]),
  numberOfRetries: int(0, 10),
});

export const deploymentConfigSchema = z
  .strictObject({
    /** dev.ini jobId: each round's job is `<jobId>-r<round>`. */
    jobId: jobIdSchema,
    /** dev.ini streamId: the stream each round creates and its clean-up deletes. */
    streamId: streamIdSchema,
    /** The release (`./run ota release`, then the release handler) to deploy. */
    release: releaseVersionSchema,
    targets: targetsSchema,
    targetSelection: z._default(z.enum(["SNAPSHOT", "CONTINUOUS"]), "SNAPSHOT"),
    /** dev.ini roleArn: the role IoT assumes to read the firmware for the stream; default: the stack's OTA role. */
    roleArn: z.optional(roleArnSchema),
    /** The stream's file id; default: the one the release was given. */
    fileId: z.optional(fileIdSchema),
    /** A custom job document the OTA fields are merged on top of (CUSTOM_JOB_DOCUMENT). */
    document: z.optional(documentSourceSchema),
    presignedUrl: z.optional(
      z.strictObject({
        /** Default: the deployment's stream role (the stack's OTA role). */
        roleArn: z.optional(roleArnSchema),
        expiresInSec: z._default(int(60, 3600), 3600),
      }),
    ),
    rollout: z.optional(rolloutSchema),
    abort: z.optional(
      z.strictObject({
        criteriaList: z.array(abortCriterion).check(z.minLength(1, "needs at least one criterion")),
      }),
    ),
    timeout: z.optional(z.strictObject({ inProgressTimeoutInMinutes: int(1, 10080) })),
    retry: z.optional(
      z.strictObject({
        criteriaList: z
          .array(retryCriterion)
          .check(z.minLength(1), z.maxLength(2, "takes at most 2 criteria")),
      }),
    ),
    /** dev.ini ALARM_CONFIG: CloudWatch alarms on each round's job metrics, deleted with the round. */
    alarms: z.optional(alarmsSchema),
    /** Stress tests deploy the same release again and again; a round that fails stops the rest. */
    rounds: z._default(int(1, 40), 1),
    /** Cancel (force) and delete each round's job and its stream once the round is over. */
    cleanUp: z._default(z.boolean(), true),
    /** dev.ini defaultDelay: seconds between a round's clean-up and the next round. */
    delayBetweenRoundsSeconds: z._default(int(0, 86_400), 5),
    /** A round not finished this long after its job was created fails, naming the devices still pending. */
    roundDeadlineMinutes: z._default(int(1, 10_080), 120),
    /** First wait before looking at a round's job; doubles up to maxPollSeconds. */
    pollSeconds: z._default(int(1, 3600), 10),
    maxPollSeconds: z._default(int(1, 3600), 300),
  })
  .check(
    z.superRefine((config, ctx) => {
      const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
      if (config.rounds > 1 && !config.cleanUp) {
        issue(["cleanUp"], "must be true when rounds > 1 (each round deploys the same job and stream again)");
      }
      if (config.rounds > 1 && config.targetSelection === "CONTINUOUS") {
        issue(["targetSelection"], "must be SNAPSHOT when rounds > 1: a CONTINUOUS job never completes");
      }
      const types = (config.abort?.criteriaList ?? []).map((c) => c.failureType);
      if (new Set(types).size !== types.length) {
        issue(["abort", "criteriaList"], "names a failureType twice");
      }
      const retries = config.retry?.criteriaList ?? [];
      if (new Set(retries.map((c) => c.failureType)).size !== retries.length) {
        issue(["retry", "criteriaList"], "names a failureType twice");
      }
      if (retries.reduce((sum, c) => sum + c.numberOfRetries, 0) > 10) {
        issue(["retry", "criteriaList"], "numberOfRetries may add up to at most 10");
      }
      if (retries.some((c) => c.failureType !== "FAILED") && !config.timeout) {
        issue(
          ["retry", "criteriaList"],
          "retrying TIMED_OUT or ALL needs timeout.inProgressTimeoutInMinutes",
        );
      }
      if (config.maxPollSeconds < config.pollSeconds) {
        issue(["maxPollSeconds"], "must be at least pollSeconds");
      }
      for (const [field, problem] of executionLimitProblems(config)) issue([field], problem);
      const rate = config.rollout?.exponentialRate;
      if (rate && config.rollout && rate.baseRatePerMinute > config.rollout.maximumPerMinute) {
        issue(
          ["rollout", "exponentialRate", "baseRatePerMinute"],
          "must be at most rollout.maximumPerMinute",
        );
      }
    }),
  );

export type DeploymentConfigInput = z.input<typeof deploymentConfigSchema>;
export type DeploymentConfig = z.output<typeof deploymentConfigSchema>;
export type Targets = z.output<typeof targetsSchema>;
export type DocumentSource = z.output<typeof documentSourceSchema>;

/** The job id of a round. */
export const roundJobId = (jobId: string, round: number) => `${jobId}-r${round}`;

/** A stack's bounds on the round deadline (plan-deployment's DEFAULT_/MAX_ROUND_DEADLINE_MINUTES). */
export interface DeadlineBounds {
  defaultMinutes: number;
  maxMinutes: number;
}

/**
 * The config, validated: a ValidationError names every bad field and its allowed range. A stack's deadline
 * bounds replace the schema's default and cap the value.
 */
export function parseDeploymentConfig(value: unknown, bounds?: DeadlineBounds): DeploymentConfig {
  const input =
    bounds && isRecord(value) && value.roundDeadlineMinutes === undefined
      ? { ...value, roundDeadlineMinutes: bounds.defaultMinutes }
      : value;
  const config = parseOrThrow(deploymentConfigSchema, input, "deployment config");
  if (bounds && config.roundDeadlineMinutes > bounds.maxMinutes) {
    throw new ValidationError(
      [
        `roundDeadlineMinutes: must be at most ${bounds.maxMinutes} on this stack (MAX_ROUND_DEADLINE_MINUTES)`,
      ],
      "deployment config",
    );
  }
  return config;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The deploy state machine's own limit on an execution's duration (its TimeoutSeconds). */
export const EXECUTION_TIMEOUT_SECONDS = deployDefinition.TimeoutSeconds;
/** Step Functions keeps at most 25,000 history events per execution; the rounds may use this many. */
export const ROUND_HISTORY_BUDGET = 20_000;
/** History events of one poll (Wait, the status task, the Choice, the Pass) and a round's other states. */
export const EVENTS_PER_POLL = 11;
export const EVENTS_PER_ROUND = 40;
/** Time kept for planning, the group fill and retries, besides the rounds. */
export const EXECUTION_MARGIN_SECONDS = 86_400;

/** The most polls a round can take: the doubling waits up to maxPollSeconds, then maxPollSeconds each. */
function maxPollsPerRound(config: {
  roundDeadlineMinutes: number;
  pollSeconds: number;
  maxPollSeconds: number;
}): number {
  const deadline = config.roundDeadlineMinutes * 60;
  let doubling = 0;
  while (config.pollSeconds * 2 ** doubling < config.maxPollSeconds) doubling += 1;
  return doubling + Math.ceil(deadline / config.maxPollSeconds) + 1;
}

/**
 * An execution past Step Functions' history limit or past its own timeout stops without any Catch running, so
 * the round's job would go on unattended: such configs are refused up front, naming the field to change.
 */
function executionLimitProblems(config: {
  rounds: number;
  roundDeadlineMinutes: number;
  pollSeconds: number;
  maxPollSeconds: number;
  delayBetweenRoundsSeconds: number;
}): [string, string][] {
  const problems: [string, string][] = [];
  const events = config.rounds * (maxPollsPerRound(config) * EVENTS_PER_POLL + EVENTS_PER_ROUND);
  if (events > ROUND_HISTORY_BUDGET) {
    problems.push([
      "maxPollSeconds",
      `rounds × polls per round need up to ${events} Step Functions history events, more than the ${ROUND_HISTORY_BUDGET} the rounds may use (limit 25,000): raise maxPollSeconds, or lower roundDeadlineMinutes or rounds`,
    ]);
  }
  const seconds = config.rounds * (config.roundDeadlineMinutes * 60 + config.delayBetweenRoundsSeconds);
  const allowed = EXECUTION_TIMEOUT_SECONDS - EXECUTION_MARGIN_SECONDS;
  if (seconds > allowed) {
    problems.push([
      "roundDeadlineMinutes",
      `rounds × (roundDeadlineMinutes × 60 + delayBetweenRoundsSeconds) is ${seconds} s, more than the ${allowed} s the deploy state machine's ${EXECUTION_TIMEOUT_SECONDS} s timeout leaves for rounds: lower roundDeadlineMinutes or rounds`,
    ]);
  }
  return problems;
}
