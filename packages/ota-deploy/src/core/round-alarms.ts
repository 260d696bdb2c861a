// Each round's CloudWatch alarms: the deployment config's alarms on that round's job (dimension jobId), named
// `<ALARM_NAME_PREFIX><round job id>-<owner>-<alarm>` — the stack's, unique per deployment and round — and tagged
// with the job id and the owner id, which the force stopper checks. PutMetricAlarm replaces an alarm of the same
// name, so creating them again (a retried step) changes nothing; clean-up deletes exactly the names that start
// with the round's job id and the deployment's owner id, so another deployment's alarms are never touched.

import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { isNotFound, ValidationError } from "@fleet/shared-aws";
import { JOB_ID_DIMENSION } from "../metric-names";
import { type AlarmConfig, type AlarmTopic, SIMPLE_STATISTICS } from "./alarm-config";

/** The tags every round alarm carries: the force stopper reads the job and the deployment from them. */
export const JOB_ID_TAG = "ota-deploy:jobId";
export const OWNER_TAG = "ota-deploy:owner";

/** The stack's topics by logical name; an empty ARN: the stack has no such topic. */
export type StackTopics = Record<AlarmTopic, string>;

/** The stack's topics, from the variables that carry them. */
export const stackTopics = (vars: {
  EMAIL_TOPIC_ARN: string;
  SMS_TOPIC_ARN: string;
  FORCE_STOP_TOPIC_ARN: string;
}): StackTopics => ({
  "email-notification": vars.EMAIL_TOPIC_ARN,
  "sms-notification": vars.SMS_TOPIC_ARN,
  "ota-force-stopper": vars.FORCE_STOP_TOPIC_ARN,
});

export interface RoundAlarmsInput {
  prefix: string;
  /** The round's job id (`<jobId>-r<round>`). */
  jobId: string;
  owner: string;
  alarms: AlarmConfig[];
  topics: StackTopics;
}

/** What the names of one deployment's round alarms start with. */
export const roundAlarmPrefix = (prefix: string, jobId: string, owner: string) =>
  `${prefix}${jobId}-${owner}-`;

/** Each alarm's actions, resolved to the stack's topic ARNs; refused, naming the alarm, if the stack lacks one. */
export function alarmActions(alarms: AlarmConfig[], topics: StackTopics): Map<string, string[]> {
  const problems: string[] = [];
  const actions = new Map<string, string[]>();
  for (const alarm of alarms) {
    const missing = alarm.topics.filter((topic) => !topics[topic]);
    for (const topic of missing) {
      problems.push(`alarms (${alarm.name}) topics: this stack has no ${topic} topic`);
    }
    actions.set(
      alarm.name,
      alarm.topics.map((topic) => topics[topic]),
    );
  }
  if (problems.length > 0) throw new ValidationError(problems, "deployment config");
  return actions;
}

/**
 * Missing data is not breaching: a period in which no device of the round reported is no evidence of a bad
 * rollout (devices still downloading, a quiet tail), and must never force-stop a job.
 */
export const TREAT_MISSING_DATA = "notBreaching";

export function putMetricAlarmRequest(
  input: Omit<RoundAlarmsInput, "alarms" | "topics">,
  alarm: AlarmConfig,
  actions: string[],
): PutMetricAlarmCommandInput {
  const simple = (SIMPLE_STATISTICS as readonly string[]).includes(alarm.stat);
  return {
    AlarmName: `${roundAlarmPrefix(input.prefix, input.jobId, input.owner)}${alarm.name}`,
    AlarmDescription: `ota-deploy alarm ${alarm.name} of job ${input.jobId} (${alarm.alarmType} limit ${alarm.threshold} on ${alarm.stat} ${alarm.metricName})`,
    Namespace: alarm.namespace,
    MetricName: alarm.metricName,
    Dimensions: [{ Name: JOB_ID_DIMENSION, Value: input.jobId }],
    ...(simple
      ? { Statistic: alarm.stat as PutMetricAlarmCommandInput["Statistic"] }
      : { ExtendedStatistic: alarm.stat }),
    Period: alarm.period,
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm ?? alarm.evaluationPeriods,
    Threshold: alarm.threshold,
    ComparisonOperator: alarm.alarmType === "upper" ? "GreaterThanThreshold" : "LessThanThreshold",
    TreatMissingData: TREAT_MISSING_DATA,
    ActionsEnabled: true,
    AlarmActions: actions,
    Tags: [
      { Key: JOB_ID_TAG, Value: input.jobId },
      { Key: OWNER_TAG, Value: input.owner },
    ],
  };
}

/** Creates (or replaces with the same definition) the round's alarms; returns their names. */
export async function putRoundAlarms(
  cloudWatch: CloudWatchClient,
  input: RoundAlarmsInput,
): Promise<string[]> {
  const actions = alarmActions(input.alarms, input.topics);
  const names: string[] = [];
  for (const alarm of input.alarms) {
    const request = putMetricAlarmRequest(input, alarm, actions.get(alarm.name) as string[]);
    await cloudWatch.send(new PutMetricAlarmCommand(request));
    names.push(request.AlarmName as string);
  }
  return names;
}

/** Tries at deleting what is left after a DeleteAlarms that found a name gone. */
const DELETE_ATTEMPTS = 3;

/**
 * Deletes the round's alarms of this deployment (only those); none left is not an error. DeleteAlarms deletes
 * nothing when it fails, so when one name was deleted meanwhile (a concurrent clean-up) what is left is listed
 * again and deleted.
 */
export async function deleteRoundAlarms(
  cloudWatch: CloudWatchClient,
  input: Omit<RoundAlarmsInput, "alarms" | "topics">,
): Promise<string[]> {
  const prefix = roundAlarmPrefix(input.prefix, input.jobId, input.owner);
  const deleted = new Set<string>();
  for (let attempt = 1; ; attempt += 1) {
    const names = await alarmNames(cloudWatch, prefix);
    try {
      // At most 100 names a call.
      for (let i = 0; i < names.length; i += 100) {
        const batch = names.slice(i, i + 100);
        await cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: batch }));
        for (const name of batch) deleted.add(name);
      }
      return [...deleted];
    } catch (error) {
      if (!isNotFound(error) || attempt === DELETE_ATTEMPTS) throw error;
    }
  }
}

async function alarmNames(cloudWatch: CloudWatchClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: ["MetricAlarm"], NextToken }),
    );
    names.push(...(page.MetricAlarms ?? []).flatMap((alarm) => (alarm.AlarmName ? [alarm.AlarmName] : [])));
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}
