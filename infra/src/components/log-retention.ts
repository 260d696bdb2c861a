/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** A problem description when `days` is not a retention CloudWatch accepts, else undefined. */
export const retentionProblem = (days: number): string | undefined =>
  (LOG_RETENTION_DAYS as readonly number[]).includes(days)
    ? undefined
    : `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${days}`;
