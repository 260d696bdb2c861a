// Event schemas of every handler (the contract of the console, the CLI and the state machine), with the
// defaults of the original tool. Types are inferred from them. Unknown fields are refused: a misspelt
// `fleetIndexquery` must not silently become the default query.
import { z } from "zod";
import { confirmCursorSchema } from "./core/confirm-exclusions";
import { deleteCursorSchema } from "./core/delete-things";
import { listVersionSchema } from "./core/exclude-list";
import { fastTrackCursorSchema } from "./core/fast-track";
import { fillCursorSchema } from "./core/fill-exclude-group";
import { JOB_NAME, THING_NAME, THING_NAME_MAX } from "./core/names";
import { previewCursorSchema } from "./core/preview";
import { queryProblems } from "./core/query";
import { seedCursorSchema } from "./core/seed";

export const JOB_DOCUMENT_MAX_BYTES = 32 * 1024;

const jobName = z
  .string()
  .regex(JOB_NAME, "must be 1-64 letters, digits, '_' or '-', starting with a letter or digit");
const thingGroupName = z.string().regex(THING_NAME, "must be 1-128 letters, digits, ':', '_' or '-'");
const thingPrefix = z
  .string()
  .regex(/^[a-zA-Z0-9:_-]{1,120}$/, "must be 1-120 letters, digits, ':', '_' or '-'");
const objectKey = z.string().min(1).max(1024);
const fleetQuery = z.string().superRefine((query, ctx) => {
  for (const problem of queryProblems(query)) ctx.addIssue({ code: "custom", message: `query ${problem}` });
});
const decimals = (places: number) => (n: number) =>
  Math.abs(Math.round(n * 10 ** places) - n * 10 ** places) < 1e-9;

// ---- job settings (CreateJob's limits in the AWS IoT API reference) ----

const rolloutSchema = z.strictObject({
  maximumPerMinute: z.number().int().min(1).max(1000).default(1000),
  exponentialRate: z
    .strictObject({
      baseRatePerMinute: z.number().int().min(1).max(1000),
      incrementFactor: z.number().min(1.1).max(5).refine(decimals(1), "must have at most one decimal"),
      rateIncreaseCriteria: z
        .strictObject({
          numberOfNotifiedThings: z.number().int().min(1).optional(),
          numberOfSucceededThings: z.number().int().min(1).optional(),
        })
        .refine(
          (c) => (c.numberOfNotifiedThings === undefined) !== (c.numberOfSucceededThings === undefined),
          "give exactly one of numberOfNotifiedThings, numberOfSucceededThings",
        ),
    })
    .optional(),
});

const jobSettingsFields = {
  /** Inline job document: an object or its JSON text. */
  document: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  description: z.string().max(2028).optional(),
  rollout: rolloutSchema.default({ maximumPerMinute: 1000 }),
  abortCriteria: z
    .array(
      z.strictObject({
        failureType: z.enum(["FAILED", "REJECTED", "TIMED_OUT", "ALL"]),
        action: z.literal("CANCEL").default("CANCEL"),
        thresholdPercentage: z.number().min(0).max(100).refine(decimals(2), "must have at most two decimals"),
        minNumberOfExecutedThings: z.number().int().min(1),
      }),
    )
    .min(1)
    .optional(),
  inProgressTimeoutMinutes: z.number().int().min(1).max(10080).optional(),
  retryCriteria: z
    .array(
      z.strictObject({
        failureType: z.enum(["FAILED", "TIMED_OUT", "ALL"]),
        numberOfRetries: z.number().int().min(0).max(10),
      }),
    )
    .min(1)
    .max(2)
    .optional(),
};

type JobSettingsShape = {
  document?: Record<string, unknown> | string | undefined;
  inProgressTimeoutMinutes?: number | undefined;
  retryCriteria?: { failureType: string; numberOfRetries: number }[] | undefined;
};

/** Rules across fields: the document is a JSON object of at most 32 KB; retries within AWS's combined limits. */
function checkJobSettings(settings: JobSettingsShape, ctx: z.RefinementCtx): void {
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
  .strictObject({ ...jobSettingsFields, documentSource: z.url({ protocol: /^https$/ }).optional() })
  .superRefine((settings, ctx) => {
    checkJobSettings(settings, ctx);
    if ((settings.document === undefined) === (settings.documentSource === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["document"],
        message: "give exactly one of document, documentSource",
      });
    }
  });
export type JobSettings = z.output<typeof jobSettingsSchema>;

// ---- entry handlers ----

export const seedThingsEvent = z
  .discriminatedUnion("mode", [
    z.strictObject({
      mode: z.literal("seed"),
      demoThingPrefix: thingPrefix.default("delete123Me"),
      seedConfigNumber: z.number().int().min(1).max(1_000_000).default(2000),
      cursor: seedCursorSchema.optional(),
    }),
    z.strictObject({
      mode: z.literal("delete"),
      demoThingPrefix: thingPrefix.default("delete123Me"),
      /** Accepted for symmetry with seed events; delete removes every thing with the prefix. */
      seedConfigNumber: z.number().int().min(1).optional(),
      cursor: deleteCursorSchema.optional(),
    }),
  ])
  .superRefine((event, ctx) => {
    if (event.mode !== "seed") return;
    const longest = `${event.demoThingPrefix}${event.seedConfigNumber - 1}`;
    if (longest.length > THING_NAME_MAX) {
      ctx.addIssue({
        code: "custom",
        path: ["demoThingPrefix"],
        message: `makes thing names up to ${longest.length} characters; the limit is ${THING_NAME_MAX}`,
      });
    }
  });
export type SeedThingsEvent = z.output<typeof seedThingsEvent>;

export const startTargetedJobEvent = z
  .strictObject({
    ...jobSettingsFields,
    jobName: jobName.default("otaDemoJob"),
    fleetIndexQuery: fleetQuery.default("*"),
    excludeListFileName: objectKey.optional(),
    /** Key of a job document in the lists bucket, instead of an inline `document`. */
    documentFileName: objectKey.optional(),
  })
  .superRefine((event, ctx) => {
    checkJobSettings(event, ctx);
    if (event.document !== undefined && event.documentFileName !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["documentFileName"],
        message: "give document or documentFileName, not both",
      });
    }
  });
export type StartTargetedJobEvent = z.output<typeof startTargetedJobEvent>;

export const fillExcludeGroupEvent = z.strictObject({
  excludeListFileName: objectKey,
  staticGroupName: thingGroupName,
  cursor: fillCursorSchema.nullish(),
});

export const teardownEvent = z.strictObject({
  jobName,
  /** Also delete every thing whose name starts with this prefix. */
  thingPrefix: thingPrefix.optional(),
  cursor: deleteCursorSchema.optional(),
});

export const previewEvent = z.strictObject({
  fleetIndexQuery: fleetQuery.default("*"),
  excludeListFileName: objectKey.optional(),
  /** The job name the target query would be built for (its length counts against the query limits). */
  jobName: jobName.default("otaDemoJob"),
  sampleSize: z.number().int().min(0).max(100).default(10),
  cursor: previewCursorSchema.optional(),
});

// ---- state machine steps ----

/** The state machine's input, built by start-targeted-job. */
export const targetedJobPlan = z.strictObject({
  jobName,
  fleetIndexQuery: fleetQuery,
  excludeListFileName: objectKey.nullable(),
  excludeGroupName: thingGroupName.nullable(),
  updateKey: z.string().regex(/^[a-zA-Z0-9_]{1,64}$/),
  updateValue: z.number().int().min(0),
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
    .regex(/^arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:thinggroup\/[a-zA-Z0-9:_-]+$/, "must be a thing group ARN"),
  job: jobSettingsSchema,
});

export const fastTrackEvent = z.strictObject({
  queryString: fleetQuery,
  excludeGroupName: thingGroupName.nullish(),
  excludeListFileName: objectKey.nullish(),
  /** The list version the exclude group was filled from (fill-exclude-group's `list`); required with a list. */
  excludeListVersion: z.nullish(listVersionSchema),
  updateKey: targetedJobPlan.shape.updateKey,
  updateValue: targetedJobPlan.shape.updateValue,
  cursor: fastTrackCursorSchema.nullish(),
});
