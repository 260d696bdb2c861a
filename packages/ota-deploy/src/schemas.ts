// Event schemas of every handler (the contract of the console, the CLI and the state machine). Unknown fields
// are refused: a misspelt option must not silently become its default.

import { fillCursorSchema } from "@fleet/jobs-targeting/fill-group";
import * as z from "zod/mini";
import { jobIdSchema, releaseVersionSchema, streamIdSchema, thingNameSchema } from "./core/deployment-config";
import { LISTED_STATUSES } from "./core/job-status";
import { releaseCursorSchema } from "./core/release";
import { DEPLOYMENT_ID, STATUS } from "./core/schedule-queue";

const objectKey = z.string().check(z.minLength(1), z.maxLength(1024));
const roundJobIdSchema = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,57}-r\d{1,2}$/, "must be a round's job id (<jobId>-r<round>)"));
/** The owner id plan gave the deployment: clean-up removes only what carries it. */
const ownerSchema = z
  .string()
  .check(z.regex(/^[0-9a-f-]{36}$/, "must be the owner id plan gave the deployment"));
const positive = (max: number) => z.int().check(z.minimum(1), z.maximum(max));

export const releaseEvent = z.strictObject({
  version: releaseVersionSchema,
  /** The firmware object in the firmware bucket. */
  key: objectKey,
  versionId: z.optional(z.string().check(z.minLength(1))),
  /** The hashes the uploader computed; default: the tags `./run ota release` put on the object. */
  expected: z.optional(
    z.strictObject({
      md5: z.string().check(z.regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex digits")),
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits")),
    }),
  ),
  /** Sign the SHA-256 with the stack's KMS key (ECDSA P-256). */
  sign: z._default(z.boolean(), false),
  cursor: z.nullish(releaseCursorSchema),
});

export const fillTargetGroupEvent = z.strictObject({
  listKey: objectKey,
  groupName: thingNameSchema,
  cursor: z.nullish(fillCursorSchema),
});

/** The plan is plan-deployment's output, passed on by the state machine unchanged. */
const planSchema = z.looseObject({
  config: z.looseObject({ jobId: jobIdSchema, rounds: positive(40), roundDeadlineMinutes: positive(10_080) }),
  streamId: streamIdSchema,
  owner: ownerSchema,
});

export const deployRoundEvent = z.strictObject({ plan: planSchema, round: positive(40) });

export const roundStatusEvent = z.strictObject({
  jobId: roundJobIdSchema,
  round: positive(40),
  deadlineAt: z.int().check(z.minimum(0)),
  polls: z.int().check(z.minimum(0)),
  pollSeconds: positive(3600),
  maxPollSeconds: positive(3600),
});

/** Each part is optional: a round's clean-up names its job and stream, the final one the target group and list. */
export const cleanUpEvent = z.strictObject({
  owner: ownerSchema,
  jobId: z.optional(roundJobIdSchema),
  /** A round whose alarms alone are deleted (cleanUp: false keeps its job and stream). */
  alarmsOf: z.optional(roundJobIdSchema),
  streamId: z.optional(streamIdSchema),
  targetGroup: z.nullish(thingNameSchema),
  targetList: z.nullish(objectKey),
});

/** Any job of the stack (a round's or another's): AWS's job id pattern; the stack's prefix is checked too. */
const anyJobIdSchema = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-'"));

export const statusEvent = z.strictObject({
  jobId: anyJobIdSchema,
  /** Devices listed in one answer (ListJobExecutionsForJob takes up to 250; each is described at the stack's rate). */
  pageSize: z._default(positive(100), 25),
  /** The previous answer's `nextCursor`, for the same job. */
  cursor: z.nullish(
    z.strictObject({
      jobId: anyJobIdSchema,
      status: z.enum(LISTED_STATUSES),
      nextToken: z.optional(z.string().check(z.minLength(1))),
    }),
  ),
});

/** An SNS event (Lambda subscribed to the ota-force-stopper topic): each record's message is read on its own. */
export const forceStopperEvent = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        Sns: z.looseObject({ Message: z.string(), TopicArn: z.optional(z.string()) }),
      }),
    )
    .check(z.minLength(1, "must hold at least one SNS record")),
});

/** A deployment config (as `./run ota convert` writes it), validated by add-schedule as plan-deployment does. */
export const addScheduleEvent = z.strictObject({ config: z.record(z.string(), z.unknown()) });

/** The Scheduler schedule sends `{}`; the deployer takes no options (its settings are the stack's). */
export const deployerEvent = z.strictObject({});

/** An operator's page of the queue: one status, oldest first. */
export const listScheduleEvent = z.strictObject({
  status: z._default(z.enum(Object.values(STATUS)), STATUS.pending),
  limit: z._default(positive(100), 25),
  /** The `next` of the previous page. */
  after: z.optional(z.string().check(z.regex(DEPLOYMENT_ID, "must be a deployment id (a page's next)"))),
});
