// What AWS does while a round of the ota-watch scene runs and the emulator does not, done between the deploy state
// machine's polls: the round's job events reach job-metrics and its EMF lines become CloudWatch metrics (as
// CloudWatch Logs extracts them), CloudWatch evaluates the round's alarms (scene-alarms.ts) and sets a breached one
// to ALARM (the emulator then publishes the alarm notification to its topics), and SNS delivers the
// ota-force-stopper topic's notifications to the force-stopper handler.
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import type { Stage } from "@fleet/manifest";
import { type EmfMetric, parseEmf, shipEmf } from "@fleet/testing/emf";
import { type ListenedTopic, snsLambdaEvent } from "@fleet/testing/sns-listener";
import type { ForceStopOutcome } from "./core/force-stop";
import { evaluateAlarm } from "./scene-alarms";

export class RoundWatcher {
  /** Every metric shipped to CloudWatch so far. */
  readonly shipped: EmfMetric[] = [];
  /** The alarms set to ALARM, with the reason given. */
  readonly fired = new Map<string, string>();
  /** What the force stopper answered for each notification delivered to it. */
  readonly stopped: ForceStopOutcome[] = [];
  /** The round's alarms, as its deploy step named them. */
  alarmNames: string[] = [];

  constructor(
    private readonly stage: Stage,
    private readonly cloudWatch: CloudWatchClient,
    private readonly forceStopper: ListenedTopic,
    /** Delivers the job events that arrived since its last call to job-metrics; answers the handler's output. */
    private readonly deliverJobEvents: () => Promise<string>,
  ) {}

  /** The round's job events since the last call, as metrics in CloudWatch. */
  async shipMetrics(): Promise<void> {
    const output = await this.deliverJobEvents();
    const { invalid } = await shipEmf(this.cloudWatch, output);
    if (invalid.length > 0) throw new Error(`job-metrics wrote invalid EMF: ${invalid[0]?.reason}`);
    this.shipped.push(...parseEmf(output).metrics);
  }

  /** One round of what AWS does meanwhile: metrics, alarm evaluation, the force stopper's deliveries. */
  async tick(): Promise<void> {
    await this.shipMetrics();
    for (const alarm of await this.alarms()) {
      const name = alarm.AlarmName as string;
      if (this.fired.has(name)) continue;
      const evaluation = await evaluateAlarm(this.cloudWatch, alarm, this.shipped);
      if (!evaluation.breached) continue;
      this.stage.info(`${name}: ${evaluation.reason}`);
      await this.cloudWatch.send(
        new SetAlarmStateCommand({ AlarmName: name, StateValue: "ALARM", StateReason: evaluation.reason }),
      );
      this.fired.set(name, evaluation.reason);
    }
    for (const envelope of await this.forceStopper.received()) {
      const { outcomes } = await this.stage.invoke<{ outcomes: ForceStopOutcome[] }>(
        "force-stopper",
        snsLambdaEvent(this.forceStopper, envelope),
      );
      this.stopped.push(...outcomes);
    }
  }

  /** The round's alarms as CloudWatch describes them now (none once its clean-up deleted them). */
  async alarms(): Promise<MetricAlarm[]> {
    if (this.alarmNames.length === 0) return [];
    const { MetricAlarms = [] } = await this.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: this.alarmNames }),
    );
    return MetricAlarms;
  }
}
