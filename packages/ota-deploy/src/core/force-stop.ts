// The force stopper: a CloudWatch alarm notification (the JSON CloudWatch publishes to an SNS alarm action)
// cancels, with force, the one job the alarm belongs to. The job comes from the alarm itself as CloudWatch
// describes it — its jobId dimension, which must agree with the message, its tags and its name — and only from an
// alarm this stack created for a round (name prefix, tags) whose job carries the stack's group prefix and the
// deployment's owner mark, whose actions name the ota-force-stopper topic the message came from and which is in
// ALARM now: a message published by hand, or for an alarm that only e-mails, stops nothing. Anything else is
// refused and no job is touched. A job already ended or gone is reported, not an error. What was stopped
// and why goes to the stack's e-mail topic, at least once: a redelivery of the same alarm after the job was
// stopped by it says so again, so a failure between cancelling and telling loses no message.
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type Tag,
} from "@aws-sdk/client-cloudwatch";
import { CancelJobCommand, DescribeJobCommand, type IoTClient, type Job } from "@aws-sdk/client-iot";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { errorName, isNotFound, unlessNotFound } from "@fleet/shared-aws";
import * as z from "zod/mini";
import { JOB_ID_DIMENSION } from "../metric-names";
import { ownedBy } from "./names";
import { JOB_ID_TAG, OWNER_TAG, roundAlarmPrefix } from "./round-alarms";

/** The message CloudWatch publishes to an alarm's SNS actions (fields this handler reads; others are kept). */
export const alarmNotificationSchema = z.looseObject({
  AlarmName: z.string().check(z.minLength(1)),
  AlarmArn: z.string().check(z.regex(/^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/)),
  NewStateValue: z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]),
  NewStateReason: z.string(),
  StateChangeTime: z.string(),
  Trigger: z.looseObject({
    MetricName: z.optional(z.string()),
    Namespace: z.optional(z.string()),
    Statistic: z.nullish(z.string()),
    ExtendedStatistic: z.nullish(z.string()),
    Period: z.optional(z.number()),
    EvaluationPeriods: z.optional(z.number()),
    DatapointsToAlarm: z.nullish(z.number()),
    ComparisonOperator: z.optional(z.string()),
    Threshold: z.optional(z.number()),
    Dimensions: z._default(z.array(z.looseObject({ name: z.string(), value: z.string() })), []),
  }),
});
export type AlarmNotification = z.output<typeof alarmNotificationSchema>;

/** CancelJob's reasonCode ([A-Z0-9_]+): the job was stopped by one of its round's alarms. */
export const FORCE_STOP_REASON = "FORCE_STOPPED_BY_ALARM";
/** CancelJob takes a comment of at most 2028 characters, no control characters. */
const MAX_COMMENT = 2028;

export type ForceStopOutcome =
  /** A notification of an alarm going to OK or INSUFFICIENT_DATA: nothing to do. */
  | { outcome: "ignored"; reason: string }
  /** Not a CloudWatch alarm notification at all: nothing to do, but not expected on this topic. */
  | { outcome: "malformed"; reason: string }
  /** The alarm was deleted (its round cleaned up) or left ALARM since: an expected race, no job touched. */
  | { outcome: "stale"; alarm: string; reason: string }
  /** Not this stack's round alarm, its job is not the alarm's deployment's, or not sent as CloudWatch would: no job touched. */
  | { outcome: "refused"; alarm: string; reason: string }
  /** The job was running and is now cancelled with force. */
  | { outcome: "stopped"; alarm: string; jobId: string; notified: boolean }
  /** This alarm had stopped the job already (a redelivery): said again. */
  | { outcome: "already-stopped"; alarm: string; jobId: string; notified: boolean }
  /** The job had ended otherwise (completed, cancelled, being deleted) or is gone. */
  | { outcome: "already-ended"; alarm: string; jobId: string; status: string };

export interface ForceStopDeps {
  cloudWatch: CloudWatchClient;
  iot: IoTClient;
  sns: SNSClient;
  /** ALARM_NAME_PREFIX: the round alarms' names start with it. */
  alarmPrefix: string;
  /** GROUP_NAME_PREFIX: the stack's jobs carry it. */
  groupPrefix: string;
  /** The e-mail topic told what was stopped; empty: none. */
  emailTopicArn: string;
  /** The ota-force-stopper topic: notifications must come from it, and the alarm's actions must name it. */
  forceStopTopicArn: string;
  /** Called once the job is cancelled, before anyone is told (so a failed report loses no count). */
  onStopped?: (jobId: string) => void;
}

/** Reads one SNS message: the notification, or why it is not one. */
export function readNotification(message: string): AlarmNotification | string {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return "the message is not JSON";
  }
  const parsed = z.safeParse(alarmNotificationSchema, json);
  if (!parsed.success) {
    return `not a CloudWatch alarm notification (${parsed.error.issues.map((i) => i.path.join(".") || "message").join(", ")})`;
  }
  return parsed.data;
}

/** One SNS record: its message, and the topic SNS says it came from. */
export interface ForceStopRecord {
  message: string;
  topicArn?: string | undefined;
}

export async function forceStop(deps: ForceStopDeps, record: ForceStopRecord): Promise<ForceStopOutcome> {
  const alarm = readNotification(record.message);
  if (typeof alarm === "string") return { outcome: "malformed", reason: alarm };
  if (alarm.NewStateValue !== "ALARM") {
    return { outcome: "ignored", reason: `alarm ${alarm.AlarmName} went to ${alarm.NewStateValue}` };
  }
  const refused = (reason: string): ForceStopOutcome => ({
    outcome: "refused",
    alarm: alarm.AlarmName,
    reason,
  });
  if (!deps.forceStopTopicArn || record.topicArn !== deps.forceStopTopicArn) {
    return refused(`it did not come from the ota-force-stopper topic (${deps.forceStopTopicArn || "none"})`);
  }

  const round = await roundOf(deps, alarm);
  if (typeof round === "string") return refused(round);
  if ("stale" in round) return { outcome: "stale", alarm: alarm.AlarmName, reason: round.stale };
  const { jobId, owner } = round;

  const job = (await unlessNotFound(() => deps.iot.send(new DescribeJobCommand({ jobId }))))?.job;
  if (!job) return { outcome: "already-ended", alarm: alarm.AlarmName, jobId, status: "DELETED" };
  if (!ownedBy(job.description, owner)) {
    return refused(`job ${jobId} is not the job of the alarm's deployment ${owner}`);
  }
  if (stoppedBy(job, alarm)) return told(deps, "already-stopped", alarm, jobId, owner);
  if (job.status !== "IN_PROGRESS" && job.status !== "SCHEDULED") {
    return { outcome: "already-ended", alarm: alarm.AlarmName, jobId, status: job.status ?? "UNKNOWN" };
  }
  try {
    await deps.iot.send(
      new CancelJobCommand({
        jobId,
        force: true,
        reasonCode: FORCE_STOP_REASON,
        comment: cancelComment(alarm),
      }),
    );
  } catch (error) {
    // Ended or deleted between DescribeJob and CancelJob.
    if (isNotFound(error))
      return { outcome: "already-ended", alarm: alarm.AlarmName, jobId, status: "DELETED" };
    if (errorName(error) === "InvalidStateTransitionException") {
      return { outcome: "already-ended", alarm: alarm.AlarmName, jobId, status: "ENDED" };
    }
    throw error;
  }
  deps.onStopped?.(jobId);
  return told(deps, "stopped", alarm, jobId, owner);
}

/**
 * The round an alarm belongs to, from the alarm itself: its jobId dimension, its tags (job id and owner id, which
 * only this stack's deploy step sets) and its name, which must all agree, and its actions, which must name the
 * force-stop topic; or why it is not one of ours; or, for an alarm of ours deleted or no longer in ALARM, `stale`.
 */
async function roundOf(
  deps: ForceStopDeps,
  alarm: AlarmNotification,
): Promise<{ jobId: string; owner: string } | { stale: string } | string> {
  if (!alarm.AlarmName.startsWith(deps.alarmPrefix)) {
    return `not an alarm of this stack (its name does not start with ${deps.alarmPrefix})`;
  }
  // The alarm as CloudWatch has it, not as the message says: its own dimension names the job.
  const found = (
    await deps.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [alarm.AlarmName], AlarmTypes: ["MetricAlarm"] }),
    )
  ).MetricAlarms?.[0];
  const gone = { stale: "the alarm no longer exists (its round was cleaned up)" };
  if (!found?.AlarmArn) return gone;
  const dimensions = (found.Dimensions ?? []).filter((d) => d.Name === JOB_ID_DIMENSION);
  if (dimensions.length !== 1 || (found.Dimensions ?? []).length !== 1) {
    return `it watches no single ${JOB_ID_DIMENSION} dimension`;
  }
  const jobId = dimensions[0]?.Value as string;
  const claimed = alarm.Trigger.Dimensions.find((d) => d.name === JOB_ID_DIMENSION)?.value;
  if (claimed !== undefined && claimed !== jobId) {
    return `its notification names job ${claimed} but the alarm watches job ${jobId}`;
  }
  const tags = await unlessNotFound(() =>
    deps.cloudWatch.send(new ListTagsForResourceCommand({ ResourceARN: found.AlarmArn })),
  );
  if (!tags) return gone;
  const tag = (key: string) => (tags.Tags ?? []).find((t: Tag) => t.Key === key)?.Value;
  const owner = tag(OWNER_TAG);
  if (tag(JOB_ID_TAG) !== jobId || !owner) {
    return `its tags (${JOB_ID_TAG}, ${OWNER_TAG}) do not name the job ${jobId} its dimension watches`;
  }
  if (!alarm.AlarmName.startsWith(roundAlarmPrefix(deps.alarmPrefix, jobId, owner))) {
    return `its name is not that of a round alarm of job ${jobId}`;
  }
  if (!jobId.startsWith(deps.groupPrefix)) {
    return `job ${jobId} is not one of this stack's (GROUP_NAME_PREFIX ${deps.groupPrefix})`;
  }
  if (!(found.AlarmActions ?? []).includes(deps.forceStopTopicArn)) {
    return "its actions do not name the ota-force-stopper topic (it was not meant to stop its job)";
  }
  if (found.StateValue !== "ALARM") {
    return { stale: `the alarm is ${found.StateValue ?? "in no state"} now, no longer in ALARM` };
  }
  return { jobId, owner };
}

const cancelComment = (alarm: AlarmNotification) =>
  `Force-stopped by alarm ${alarm.AlarmName}: ${alarm.NewStateReason}`
    .replace(/\p{C}+/gu, " ")
    .slice(0, MAX_COMMENT);

/** This alarm's own cancel, found again (IoT keeps a cancelled job's reasonCode and comment). */
const stoppedBy = (job: Job, alarm: AlarmNotification) =>
  job.status === "CANCELED" &&
  job.reasonCode === FORCE_STOP_REASON &&
  (job.comment ?? "").startsWith(`Force-stopped by alarm ${alarm.AlarmName}:`);

async function told(
  deps: ForceStopDeps,
  outcome: "stopped" | "already-stopped",
  alarm: AlarmNotification,
  jobId: string,
  owner: string,
): Promise<ForceStopOutcome> {
  if (deps.emailTopicArn) {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.emailTopicArn,
        Subject: `ota-deploy force-stopped job ${jobId}`.slice(0, 100),
        Message: report(alarm, jobId, owner, outcome === "already-stopped"),
      }),
    );
  }
  return { outcome, alarm: alarm.AlarmName, jobId, notified: Boolean(deps.emailTopicArn) };
}

/** The e-mail: the job, the alarm, the reason, the metric and the threshold. */
export function report(alarm: AlarmNotification, jobId: string, owner: string, repeated: boolean): string {
  const t = alarm.Trigger;
  const stat = t.ExtendedStatistic ?? t.Statistic ?? "?";
  const datapoints = t.DatapointsToAlarm ?? t.EvaluationPeriods;
  return [
    `ota-deploy force-stopped job ${jobId}: cancelled with force, so its in-progress executions are cancelled too.${repeated ? " (The alarm's notification came again; the job was already stopped by it.)" : ""}`,
    `Alarm: ${alarm.AlarmName} (${alarm.AlarmArn})`,
    `Reason: ${alarm.NewStateReason}`,
    `Metric: ${t.Namespace ?? "?"} ${t.MetricName ?? "?"} (${stat} over ${t.Period ?? "?"} s), ${JOB_ID_DIMENSION}=${jobId}`,
    `Threshold: ${t.ComparisonOperator ?? "?"} ${t.Threshold ?? "?"} in ${datapoints ?? "?"} of ${t.EvaluationPeriods ?? "?"} datapoints`,
    `State changed at: ${alarm.StateChangeTime}`,
    `Deployment (owner id): ${owner}`,
  ].join("\n");
}
