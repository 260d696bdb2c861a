// The alarm sections of the original dev.ini (ALARM_CONFIG, ALARM_CONFIG_<name>), as part of the deployment
// config: each round of a deployment gets these CloudWatch alarms on its own job's metrics (dimension jobId).
// Topics are named by the stack's logical names, never by ARN: an alarm may notify only this stack's topics,
// which the handlers resolve from their environment (alarm-topics.ts).
import * as z from "zod/mini";
import { JOB_EXECUTION_NAMESPACE } from "../metric-names";
import { int } from "./schema-helpers";

/** The stack's topics an alarm may notify, by the names the original tool's template gave them. */
export const ALARM_TOPICS = ["email-notification", "sms-notification", "ota-force-stopper"] as const;
export type AlarmTopic = (typeof ALARM_TOPICS)[number];

/** An evaluation window longer than a day is refused by CloudWatch (period × evaluationPeriods). */
export const MAX_EVALUATION_SECONDS = 86_400;
/** Alarms a deployment may ask for, each created for every round. */
export const MAX_ALARMS = 10;

/** CloudWatch's statistics, or a percentile p0.0–p100 (ExtendedStatistic) with at most two decimals. */
export const SIMPLE_STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
const PERCENTILE = /^p(\d{1,2}(\.\d{1,2})?|100(\.0{1,2})?)$/;
const isStatistic = (stat: string) =>
  (SIMPLE_STATISTICS as readonly string[]).includes(stat) || PERCENTILE.test(stat);

/** Alarm names become part of CloudWatch alarm names and dev.ini section names. */
export const ALARM_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export const alarmSchema = z
  .strictObject({
    /** dev.ini's alarmList entry (and its section's suffix). */
    name: z.string().check(z.regex(ALARM_NAME, "must be 1-64 letters, digits, '_' or '-'")),
    namespace: z._default(
      z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^[^:].*$/, "must not start with ':'")),
      JOB_EXECUTION_NAMESPACE,
    ),
    metricName: z.string().check(z.minLength(1), z.maxLength(255)),
    stat: z
      .string()
      .check(
        z.refine(
          isStatistic,
          "must be SampleCount, Average, Sum, Minimum, Maximum or a percentile p0.0-p100 (e.g. p99, p99.9)",
        ),
      ),
    /** Seconds per datapoint: a multiple of 60, as the original documents (CloudWatch's standard resolution). */
    period: int(60, MAX_EVALUATION_SECONDS).check(z.multipleOf(60, "must be a multiple of 60 seconds")),
    threshold: z.number().check(z.refine(Number.isFinite, "must be a finite number")),
    /** upper: datapoints above the threshold breach; lower: datapoints below it. */
    alarmType: z.enum(["upper", "lower"]),
    /** N of "M out of N". */
    evaluationPeriods: int(1, MAX_EVALUATION_SECONDS / 60),
    /** M of "M out of N"; default N (every datapoint of the window breaching). */
    datapointsToAlarm: z.optional(int(1, MAX_EVALUATION_SECONDS / 60)),
    /** The stack's topics notified when the alarm goes to ALARM. */
    topics: z
      .array(z.enum(ALARM_TOPICS))
      .check(z.minLength(1, "must name at least one of the stack's topics")),
  })
  .check(
    z.superRefine((alarm, ctx) => {
      const issue = (field: string, message: string) =>
        ctx.addIssue({ code: "custom", path: [field], message });
      if (alarm.datapointsToAlarm !== undefined && alarm.datapointsToAlarm > alarm.evaluationPeriods) {
        issue("datapointsToAlarm", "must be at most evaluationPeriods (M out of N: M ≤ N)");
      }
      if (alarm.period * alarm.evaluationPeriods > MAX_EVALUATION_SECONDS) {
        issue(
          "evaluationPeriods",
          `period × evaluationPeriods is ${alarm.period * alarm.evaluationPeriods} s, more than a day (${MAX_EVALUATION_SECONDS} s, CloudWatch's limit)`,
        );
      }
      if (new Set(alarm.topics).size !== alarm.topics.length) issue("topics", "names a topic twice");
    }),
  );

export const alarmsSchema = z.array(alarmSchema).check(
  z.maxLength(MAX_ALARMS, `takes at most ${MAX_ALARMS} alarms`),
  z.refine((alarms) => new Set(alarms.map((a) => a.name)).size === alarms.length, "names an alarm twice"),
);

export type AlarmConfigInput = z.input<typeof alarmSchema>;
export type AlarmConfig = z.output<typeof alarmSchema>;
