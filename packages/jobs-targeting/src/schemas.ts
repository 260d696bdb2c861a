// Event schemas of every handler (the contract of the console, the CLI and the state machine), with the
// defaults of the original tool. Types are inferred from them. Unknown fields are refused: a misspelt
// `fleetIndexquery` must not silently become the default query.

import { THING_NAME } from "@fleet/shared-aws";
import * as z from "zod/mini";
import { confirmCursorSchema } from "./core/confirm-exclusions";
import { deleteCursorSchema } from "./core/delete-things";
import { listVersionSchema } from "./core/exclude-list";
import { fastTrackCursorSchema } from "./core/fast-track";
import { fillCursorSchema } from "./core/fill-exclude-group";
import { JOB_NAME, THING_NAME_MAX } from "./core/names";
import { previewCursorSchema } from "./core/preview";
import { queryProblems } from "./core/query";
import { seedCursorSchema } from "./core/seed";

export const JOB_DOCUMENT_MAX_BYTES = 32 * 1024;

const jobName = z
  .string()
  .check(z.regex(JOB_NAME, "must be 1-64 letters, digits, '_' or '-', starting with a letter or digit"));
const thingGroupName = z
  .string()
  .check(z.regex(THING_NAME, "must be 1-128 letters, digits, ':', '_' or '-'"));
const thingPrefix = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9:_-]{1,120}$/, "must be 1-120 letters, digits, ':', '_' or '-'"));
const objectKey = z.string().check(z.minLength(1), z.maxLength(1024));
const fleetQuery = z.string().check(
  z.superRefine((query, ctx) => {
    for (const problem of queryProblems(query)) ctx.addIssue({ code: "custom", message: `query ${problem}` });
  }),
);
const integer = (min: number, max?: number) =>
  z.int().check(z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));
const decimals = (places: number) => (n: number) =>
  Math.abs(Math.round(n * 10 ** places) - n * 10 ** places) < 1e-9;

// ---- job settings (CreateJob's limits in the AWS IoT API reference) ----

const rolloutSchema = z.strictObject({
  maximumPerMinute: z._default(integer(1, 1000), 1000),
  exponentialRate: z.optional(
    z.strictObject({
      baseRatePerMinute: integer(1, 1000),
      incrementFactor: z
        .number()
        .check(z.minimum(1.1), z.maximum(5), z.refine(decimals(1), "must have at most one decimal")),
      rateIncreaseCriteria: z
        .strictObject({
          numberOfNotifiedThings: z.optional(integer(1)),
          numberOfSucceededThings: z.optional(integer(1)),
        })
        .check(
          z.refine(
            (c) => (c.numberOfNotifiedThings === undefined) !== (c.numberOfSucceededThings === undefined),
            "give exactly one of numberOfNotifiedThings, numberOfSucceededThings",
          ),
        ),
    }),
  ),
});

const jobSettingsFields = {
  /** Inline job document: an object or its JSON text. */
  document: z.optional(z.union([z.record(z.string(), z.unknown()), z.string()])),
  description: z.optional(z.string().check(z.maxLength(2028))),
  rollout: z._default(rolloutSchema, { maximumPerMinute: 1000 }),
  abortCriteria: z.optional(
    z
      .array(
        z.strictObject({
          failureType: z.enum(["FAILED", "REJECTED", "TIMED_OUT", "ALL"]),
          action: z._default(z.literal("CANCEL"), "CANCEL"),
          thresholdPercentage: z
            .number()
            .check(z.minimum(0), z.maximum(100), z.refine(decimals(2), "must have at most two decimals")),
          minNumberOfExecutedThings: integer(1),
        }),
      )
      .check(z.minLength(1)),
  ),
  inProgressTimeoutMinutes: z.optional(integer(1, 10080)),
  retryCriteria: z.optional(
    z
      .array(
        z.strictObject({
          failureType: z.enum(["FAILED", "TIMED_OUT", "ALL"]),
          numberOfRetries: integer(0, 10),
        }),
      )
      .check(z.minLength(1), z.maxLength(2)),
  ),
};

type JobSettingsShape = {
  document?: Record<string, unknown> | string | undefined;
  inProgressTimeoutMinutes?: number | undefined;
  retryCriteria?: { failureType: string; numberOfRetries: number }[] | undefined;
};

/** Rules across fields: the document is a JSON object of at most 32 KB; retries within AWS's combined limits. */
function checkJobSettings(settings: JobSettingsShape, ctx: z.core.$RefinementCtx<JobSettingsShape>): void {
  if (typeof settings.document === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(settings.document);
    } catch {
      ctx.addIssue({ code: "custom", path: ["document"], message: "is not valid JSON" });
    }
    if (parsed !== undefined && (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))) {
      ctx.addIssue({ code: "custom", path: ["document"], message: "must be a JSON object" });
    }
  }
  if (
    settings.document !== undefined &&
    Buffer.byteLength(jobDocumentText(settings.document)) > JOB_DOCUMENT_MAX_BYTES
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["document"],
      message: `is larger than ${JOB_DOCUMENT_MAX_BYTES} bytes`,
    });
  }
  const retries = settings.retryCriteria ?? [];
  if (retries.reduce((sum, c) => sum + c.numberOfRetries, 0) > 10) {
    ctx.addIssue({
      code: "custom",
      path: ["retryCriteria"],
      message: "numberOfRetries may add up to at most 10",
    });
  }
  if (retries.some((c) => c.failureType !== "FAILED") && settings.inProgressTimeoutMinutes === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["retryCriteria"],
      message: "retrying TIMED_OUT or ALL needs inProgressTimeoutMinutes",
    });
  }
}

/** The job document as CreateJob takes it. */
export const jobDocumentText = (document: Record<string, unknown> | string) =>
  typeof document === "string" ? document : JSON.stringify(document);

/** Job settings as the state machine passes them to create-job (a document or an S3 document URL). */
export const jobSettingsSchema = z
  .strictObject({ ...jobSettingsFields, documentSource: z.optional(z.url({ protocol: /^https$/ })) })
  .check(
    z.superRefine((settings, ctx) => {
      checkJobSettings(settings, ctx);
      if ((settings.document === undefined) === (settings.documentSource === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: ["document"],
          message: "give exactly one of document, documentSource",
        });
      }
    }),
  );
export type JobSettings = z.output<typeof jobSettingsSchema>;

// ---- entry handlers ----

export const seedThingsEvent = z
  .discriminatedUnion("mode", [
    z.strictObject({
      mode: z.literal("seed"),
      demoThingPrefix: z._default(thingPrefix, "delete123Me"),
      seedConfigNumber: z._default(integer(1, 1_000_000), 2000),
      cursor: z.optional(seedCursorSchema),
    }),
    z.strictObject({
      mode: z.literal("delete"),
      demoThingPrefix: z._default(thingPrefix, "delete123Me"),
      /** Accepted for symmetry with seed events; delete removes every thing with the prefix. */
      seedConfigNumber: z.optional(integer(1)),
      cursor: z.optional(deleteCursorSchema),
    }),
  ])
  .check(
    z.superRefine((event, ctx) => {
      if (event.mode !== "seed") return;
      const longest = `${event.demoThingPrefix}${event.seedConfigNumber - 1}`;
      if (longest.length > THING_NAME_MAX) {
        ctx.addIssue({
          code: "custom",
          path: ["demoThingPrefix"],
          message: `makes thing names up to ${longest.length} characters; the limit is ${THING_NAME_MAX}`,
        });
      }
    }),
  );
export type SeedThingsEvent = z.output<typeof seedThingsEvent>;

export const startTargetedJobEvent = z
  .strictObject({
    ...jobSettingsFields,
    jobName: z._default(jobName, "otaDemoJob"),
    fleetIndexQuery: z._default(fleetQuery, "*"),
    excludeListFileName: z.optional(objectKey),
    /** Key of a job document in the lists bucket, instead of an inline `document`. */
    documentFileName: z.optional(objectKey),
  })
  .check(
    z.superRefine((event, ctx) => {
      checkJobSettings(event, ctx);
      if (event.document !== undefined && event.documentFileName !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["documentFileName"],
          message: "give document or documentFileName, not both",
        });
      }
    }),
  );
export type StartTargetedJobEvent = z.output<typeof startTargetedJobEvent>;

export const fillExcludeGroupEvent = z.strictObject({
  excludeListFileName: objectKey,
  staticGroupName: thingGroupName,
  /** The list version the job was checked against (the plan's excludeListVersion): the fill reads that one. */
  listVersion: z.nullish(listVersionSchema),
  cursor: z.nullish(fillCursorSchema),
});

export const teardownEvent = z.strictObject({
  jobName,
  /** Also delete every thing whose name starts with this prefix. */
  thingPrefix: z.optional(thingPrefix),
  cursor: z.optional(deleteCursorSchema),
});

export const previewEvent = z.strictObject({
  fleetIndexQuery: z._default(fleetQuery, "*"),
  excludeListFileName: z.optional(objectKey),
  /** The job name the target query would be built for (its length counts against the query limits). */
  jobName: z._default(jobName, "otaDemoJob"),
  sampleSize: z._default(integer(0, 100), 10),
  cursor: z.optional(previewCursorSchema),
});

// ---- state machine steps ----

/** The state machine's input, built by start-targeted-job. */
export const targetedJobPlan = z.strictObject({
  jobName,
  fleetIndexQuery: fleetQuery,
  excludeListFileName: z.nullable(objectKey),
  /** The list version start-targeted-job checked: every name a thing name, at least one of them. */
  excludeListVersion: z.nullable(listVersionSchema),
  excludeGroupName: z.nullable(thingGroupName),
  updateKey: z.string().check(z.regex(/^[a-zA-Z0-9_]{1,64}$/)),
  updateValue: integer(0),
  targetQuery: fleetQuery,
  job: jobSettingsSchema,
});
export type TargetedJobPlan = z.output<typeof targetedJobPlan>;

export const ensureIndexingEvent = z.strictObject({ fleetIndexQuery: fleetQuery });
export const indexStatusEvent = z.strictObject({});

export const confirmExclusionsEvent = z.strictObject({
  groupName: thingGroupName,
  cursor: z.nullish(confirmCursorSchema),
});

export const createTargetGroupEvent = z.strictObject({ groupName: thingGroupName, queryString: fleetQuery });

export const createJobEvent = z.strictObject({
  jobName,
  targetGroupArn: z
    .string()
    .check(
      z.regex(
        /^arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:thinggroup\/[a-zA-Z0-9:_-]+$/,
        "must be a thing group ARN",
      ),
    ),
  job: jobSettingsSchema,
});

export const fastTrackEvent = z.strictObject({
  queryString: fleetQuery,
  excludeGroupName: z.nullish(thingGroupName),
  excludeListFileName: z.nullish(objectKey),
  /** The list version the exclude group was filled from (fill-exclude-group's `list`); required with a list. */
  excludeListVersion: z.nullish(listVersionSchema),
  updateKey: targetedJobPlan.shape.updateKey,
  updateValue: targetedJobPlan.shape.updateValue,
  cursor: z.nullish(fastTrackCursorSchema),
});
