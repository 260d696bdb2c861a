// The names of the counts every resumable step publishes (recordStep), shared with infra's dashboard so a chart
// can never name a metric nothing emits.

/** Per invocation of a step: its AWS calls, and how many of them were throttled. */
export const STEP_METRICS = { attempts: "attempts", throttles: "throttles" } as const;
