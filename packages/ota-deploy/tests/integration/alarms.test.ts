// Per-round alarms and the force stopper against the emulator (moto CloudWatch, SNS → SQS to read what was
// published, the IoT extension's jobs): the deploy state machine creates the config's alarms for every round on
// that round's job and deletes them at its clean-up, also when the deployment fails; an alarm going to ALARM
// (moto evaluates no alarm: each test checks the threshold against the metrics read back, then sets the state,
// and the emulator publishes the documented notification to the alarm's topics) force-stops exactly its own job;
// a deployment stopped so mid-round fails, naming the alarm, and still deletes its alarms.
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { CreateThingCommand, DescribeJobCommand, IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient } from "@fleet/shared-aws";
import { SimulatedFleet } from "@fleet/testing/simulated-fleet";
import { type ListenedTopic, listenedTopic, snsLambdaEvent } from "@fleet/testing/sns-listener";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import type { AlarmConfigInput } from "../../src/core/alarm-config";
import type { DeploymentConfigInput } from "../../src/core/deployment-config";
import type { ForceStopOutcome } from "../../src/core/force-stop";
import { firmwareKey } from "../../src/core/names";
import { uploadFirmware } from "../../src/core/upload";
import definition from "../../src/deploy.asl.json" with { type: "json" };
import { configureHandlers, createFirmwareBucket, firmwareFile, invoke } from "../support/integration";

jest.setTimeout(240_000);
const BUCKET = "it-alarms-firmware";
const VERSION = "8.0.0";
const PREFIX = "it-stack-ota-deploy-round-alarm-";
const iot = awsClient(IoTClient);
const cloudWatch = awsClient(CloudWatchClient);
let email: ListenedTopic;
let forceStopper: ListenedTopic;

beforeAll(async () => {
  await createFirmwareBucket(BUCKET);
  email = await listenedTopic("it-email-notification");
  forceStopper = await listenedTopic("it-ota-force-stopper");
  const sms = await listenedTopic("it-sms-notification");
  configureHandlers(BUCKET, {
    ALARM_NAME_PREFIX: PREFIX,
    EMAIL_TOPIC_ARN: email.arn,
    SMS_TOPIC_ARN: sms.arn,
    FORCE_STOP_TOPIC_ARN: forceStopper.arn,
  });
  const key = firmwareKey(VERSION, "app.bin");
  await uploadFirmware(awsClient(S3Client), {
    bucket: BUCKET,
    key,
    file: firmwareFile("alarms.bin", 50_000),
  });
  await invoke("release", { version: VERSION, key });
});

let fleet: SimulatedFleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

const FAILURES: AlarmConfigInput = {
  name: "Failures",
  metricName: "FAILEDCount",
  stat: "Sum",
  period: 60,
  threshold: 2,
  alarmType: "upper",
  evaluationPeriods: 1,
  topics: ["ota-force-stopper", "email-notification"],
};
const SLOW_DOWNLOADS: AlarmConfigInput = {
  name: "DownloadTimeUpperLimitAlarm",
  metricName: "downloadTime",
  stat: "p99",
  period: 60,
  threshold: 3600,
  alarmType: "upper",
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  topics: ["email-notification", "sms-notification"],
};

const config = (jobId: string, things: string[], extra: Partial<DeploymentConfigInput> = {}) => ({
  jobId,
  streamId: `${jobId}-stream`,
  release: VERSION,
  targets: { things },
  alarms: [FAILURES, SLOW_DOWNLOADS],
  pollSeconds: 1,
  maxPollSeconds: 5,
  roundDeadlineMinutes: 10,
  delayBetweenRoundsSeconds: 0,
  ...extra,
});

const alarmsNamed = async (names: string[]) =>
  (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: names }))).MetricAlarms ?? [];
const alarmsOfJob = async (jobId: string) =>
  (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${PREFIX}${jobId}-` })))
    .MetricAlarms ?? [];

async function startFleet(prefix: string, count: number, overrides: Record<string, "fail"> = {}) {
  fleet = new SimulatedFleet({
    count,
    prefix,
    downloadSeconds: { min: 20, max: 80 },
    msPerSecond: 2,
    pollMs: 30,
    seed: 5,
    overrides,
  });
  await fleet.provision();
  fleet.start();
  return fleet.things;
}

/** Runs the real definition with the real handlers, seeing each round's alarms as the steps leave them. */
async function deployWatchingAlarms(input: DeploymentConfigInput, failStep?: string) {
  const seen: { round: string; created: MetricAlarm[]; afterCleanUp?: MetricAlarm[] }[] = [];
  const step = async (handler: string, payload: unknown) => {
    if (handler === "round-status") await new Promise((resolve) => setTimeout(resolve, 100));
    if (handler === failStep) throw Object.assign(new Error("step failed (test)"), { name: "StepFailed" });
    const result = (await invoke(handler as never, payload)) as Record<string, unknown>;
    if (handler === "deploy-round") {
      seen.push({ round: result.jobId as string, created: await alarmsNamed(result.alarms as string[]) });
    }
    const jobId = (payload as { jobId?: string }).jobId;
    if (handler === "clean-up" && jobId) {
      const round = seen.find((s) => s.round === jobId);
      if (round) round.afterCleanUp = await alarmsOfJob(jobId);
    }
    return result;
  };
  try {
    await runStateMachineLocally(definition, input, step);
    return { seen };
  } catch (error) {
    return { seen, error: (error as { cause?: { name: string } }).cause?.name ?? String(error) };
  }
}

describe("per-round alarms (moto CloudWatch)", () => {
  it("creates the config's alarms for every round on that round's job id, tagged and named as the stack's, and each round's clean-up deletes its own", async () => {
    const things = await startFleet("itAlarmOk", 3);
    const { seen, error } = await deployWatchingAlarms(config("itAlarmOk", things, { rounds: 2 }));
    expect(error).toBeUndefined();
    expect(seen.map((s) => s.round)).toEqual(["itAlarmOk-r1", "itAlarmOk-r2"]);
    for (const { round, created, afterCleanUp } of seen) {
      expect(created).toHaveLength(2);
      const failures = created.find((a) => a.AlarmName?.endsWith("-Failures")) as MetricAlarm;
      expect(failures).toMatchObject({
        AlarmName: expect.stringMatching(new RegExp(`^${PREFIX}${round}-[0-9a-f-]{36}-Failures$`)),
        Namespace: "IoT:OTA:JobExecution",
        MetricName: "FAILEDCount",
        Dimensions: [{ Name: "jobId", Value: round }],
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 2,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
        AlarmActions: [forceStopper.arn, email.arn],
      });
      const slow = created.find((a) => a.AlarmName?.endsWith("-DownloadTimeUpperLimitAlarm"));
      expect(slow).toMatchObject({ ExtendedStatistic: "p99", DatapointsToAlarm: 3, EvaluationPeriods: 5 });
      const { Tags } = await cloudWatch.send(
        new ListTagsForResourceCommand({ ResourceARN: failures.AlarmArn as string }),
      );
      expect(Tags).toEqual(
        expect.arrayContaining([
          { Key: "ota-deploy:jobId", Value: round },
          { Key: "ota-deploy:owner", Value: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        ]),
      );
      expect(afterCleanUp).toEqual([]);
    }
  });

  it("a failed round still deletes its alarms, and so does the error clean-up when a step fails after they exist", async () => {
    const things = await startFleet("itAlarmFail", 3, { itAlarmFail1: "fail" });
    const failed = await deployWatchingAlarms(config("itAlarmFail", things, { rounds: 2 }));
    expect(failed.error).toBe("RoundFailed");
    expect(failed.seen.map((s) => [s.round, s.created.length, s.afterCleanUp])).toEqual([
      ["itAlarmFail-r1", 2, []],
    ]);
    await fleet?.stop();

    const more = await startFleet("itAlarmCrash", 2);
    const crashed = await deployWatchingAlarms(config("itAlarmCrash", more), "round-status");
    expect(crashed.error).toBe("StepFailed");
    expect(crashed.seen[0]?.created).toHaveLength(2);
    expect(await alarmsOfJob("itAlarmCrash-r1")).toEqual([]);
  });
});

/** Two deployments' first rounds, each with its job and alarms; their devices never report, so both keep running. */
async function twoRunningDeployments(a: string, b: string) {
  const rounds: Record<string, { jobId: string; alarms: string[]; owner: string }> = {};
  for (const jobId of [a, b]) {
    await iot.send(new CreateThingCommand({ thingName: `${jobId}-device` }));
    const plan = await invoke<{ owner: string }>("plan-deployment", config(jobId, [`${jobId}-device`]));
    const round = await invoke<{ jobId: string; alarms: string[] }>("deploy-round", { plan, round: 1 });
    rounds[jobId] = { ...round, owner: plan.owner };
  }
  return rounds;
}

const jobOf = async (jobId: string) => (await iot.send(new DescribeJobCommand({ jobId }))).job;

/**
 * FAILEDCount datapoints of `jobId` now, the alarm's threshold checked against the metric read back (moto
 * evaluates no alarm), then the alarm set to ALARM as CloudWatch would, with the reason made of the breaching Sum.
 */
async function failuresBreach(
  alarmName: string,
  jobId: string,
  values: number[],
  reason: (sum: number | undefined) => string,
): Promise<void> {
  const now = new Date();
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: "IoT:OTA:JobExecution",
      MetricData: values.map((Value) => ({
        MetricName: "FAILEDCount",
        Dimensions: [{ Name: "jobId", Value: jobId }],
        Timestamp: now,
        Value,
        Unit: "Count",
      })),
    }),
  );
  const [alarm] = await alarmsNamed([alarmName]);
  const { Datapoints = [] } = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: alarm?.Namespace,
      MetricName: alarm?.MetricName,
      Dimensions: alarm?.Dimensions,
      StartTime: new Date(now.getTime() - 5 * 60_000),
      EndTime: new Date(now.getTime() + 60_000),
      Period: alarm?.Period,
      Statistics: ["Sum"],
    }),
  );
  const breaching = Datapoints.filter((d) => (d.Sum ?? 0) > (alarm?.Threshold as number));
  expect(breaching.length).toBeGreaterThanOrEqual(alarm?.DatapointsToAlarm ?? 1);
  await cloudWatch.send(
    new SetAlarmStateCommand({
      AlarmName: alarmName,
      StateValue: "ALARM",
      StateReason: reason(breaching[0]?.Sum),
    }),
  );
}

/** What the force stopper's Lambda receives: each notification the ota-force-stopper topic got. */
const deliveries = async () => (await forceStopper.received()).map((e) => snsLambdaEvent(forceStopper, e));
const stopWith = (event: unknown) => invoke<{ outcomes: ForceStopOutcome[] }>("force-stopper", event);

describe("the force stopper (moto evaluates no alarm: threshold checked against the metrics read back, then SetAlarmState)", () => {
  it("cancels with force exactly the job its alarm belongs to, leaves the other deployment's job running, tells the e-mail topic, and a second delivery changes nothing", async () => {
    const rounds = await twoRunningDeployments("itStopA", "itStopB");
    const failuresA = rounds.itStopA?.alarms.find((n) => n.endsWith("-Failures")) as string;
    await email.received();

    // Three failures of job A's round in this minute: the Sum breaches the alarm's threshold of 2.
    await failuresBreach(
      failuresA,
      "itStopA-r1",
      [1, 1, 1],
      (sum) =>
        `Threshold Crossed: 1 out of the last 1 datapoints [${sum}] was greater than the threshold (2.0).`,
    );

    const [delivery, ...others] = await deliveries();
    expect(others).toEqual([]);
    const first = await stopWith(delivery);
    expect(first.outcomes).toEqual([
      { outcome: "stopped", alarm: failuresA, jobId: "itStopA-r1", notified: true },
    ]);
    expect(await jobOf("itStopA-r1")).toMatchObject({
      status: "CANCELED",
      forceCanceled: true,
      reasonCode: "FORCE_STOPPED_BY_ALARM",
      comment: expect.stringContaining(`Force-stopped by alarm ${failuresA}: Threshold Crossed`),
    });
    expect((await jobOf("itStopB-r1"))?.status).toBe("IN_PROGRESS");

    const told = (await email.received()).filter((m) => m.Subject?.startsWith("ota-deploy"));
    expect(told).toHaveLength(1);
    expect(told[0]?.Subject).toBe("ota-deploy force-stopped job itStopA-r1");
    const text = told[0]?.Message as string;
    expect(text).toContain("ota-deploy force-stopped job itStopA-r1");
    expect(text).toContain(`Alarm: ${failuresA}`);
    expect(text).toContain("Reason: Threshold Crossed");
    expect(text).toContain("Metric: IoT:OTA:JobExecution FAILEDCount (SUM over 60 s), jobId=itStopA-r1");
    expect(text).toContain("Threshold: GreaterThanThreshold 2 in 1 of 1 datapoints");
    expect(text).toContain(`Deployment (owner id): ${rounds.itStopA?.owner}`);

    // SNS delivers at least once: the same notification again cancels nothing more, and says so again.
    const again = await stopWith(delivery);
    expect(again.outcomes).toEqual([
      { outcome: "already-stopped", alarm: failuresA, jobId: "itStopA-r1", notified: true },
    ]);
    expect((await jobOf("itStopB-r1"))?.status).toBe("IN_PROGRESS");
    const repeated = (await email.received()).filter((m) => m.Subject?.startsWith("ota-deploy"));
    expect(repeated.map((m) => m.Message)).toEqual([expect.stringContaining("already stopped by it")]);

    // After clean-up the job is gone: a late delivery is reported, not an error.
    expect(await invoke("clean-up", { owner: rounds.itStopA?.owner, jobId: "itStopA-r1" })).toMatchObject({
      job: "deleted",
    });
    expect((await stopWith(delivery)).outcomes).toEqual([
      {
        outcome: "stale",
        alarm: failuresA,
        reason: "the alarm no longer exists (its round was cleaned up)",
      },
    ]);
  });

  it("ignores OK, INSUFFICIENT_DATA and malformed messages, and refuses an alarm the stack did not create, whose tags name another job, or whose message names another job, touching no job", async () => {
    const rounds = await twoRunningDeployments("itQuietA", "itQuietB");
    const failuresB = rounds.itQuietB?.alarms.find((n) => n.endsWith("-Failures")) as string;
    await forceStopper.received();
    for (const StateValue of ["INSUFFICIENT_DATA", "OK"] as const) {
      await cloudWatch.send(
        new SetAlarmStateCommand({ AlarmName: failuresB, StateValue, StateReason: "test: no datapoints" }),
      );
    }
    // The alarm has no OK or INSUFFICIENT_DATA actions, so nothing was published; the handler ignores such
    // messages anyway (another topic's subscription, a hand-made test).
    expect(await deliveries()).toEqual([]);
    const [alarm] = await alarmsNamed([failuresB]);
    const message = (state: string, name = failuresB, jobId = "itQuietB-r1") =>
      JSON.stringify({
        AlarmName: name,
        AlarmArn: String(alarm?.AlarmArn).replace(failuresB, name),
        NewStateValue: state,
        NewStateReason: "test",
        StateChangeTime: new Date().toISOString(),
        Trigger: { MetricName: "FAILEDCount", Dimensions: [{ name: "jobId", value: jobId }] },
      });
    const records = (...messages: string[]) => ({
      Records: messages.map((Message) => ({ Sns: { Message, TopicArn: forceStopper.arn } })),
    });
    const ignored = await stopWith(records(message("OK"), message("INSUFFICIENT_DATA"), "not json", "{}"));
    expect(ignored.outcomes.map((o) => o.outcome)).toEqual(["ignored", "ignored", "malformed", "malformed"]);

    // An alarm on job B's failures notifying the force stopper topic, firing (set by hand: moto evaluates none).
    const firingOnJobB = async (AlarmName: string, Tags?: { Key: string; Value: string }[]) => {
      await cloudWatch.send(
        new PutMetricAlarmCommand({
          AlarmName,
          Namespace: "IoT:OTA:JobExecution",
          MetricName: "FAILEDCount",
          Dimensions: [{ Name: "jobId", Value: "itQuietB-r1" }],
          Statistic: "Sum",
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: "GreaterThanThreshold",
          AlarmActions: [forceStopper.arn],
          Tags,
        }),
      );
      await cloudWatch.send(
        new SetAlarmStateCommand({ AlarmName, StateValue: "ALARM", StateReason: "test" }),
      );
    };
    // Someone else's alarm.
    await firingOnJobB("someone-elses-alarm");
    // Named as the stack's, watching job B, but tagged with job A (not how the deploy step makes them).
    const forged = `${PREFIX}itQuietB-r1-${rounds.itQuietB?.owner}-Forged`;
    await firingOnJobB(forged, [
      { Key: "ota-deploy:jobId", Value: "itQuietA-r1" },
      { Key: "ota-deploy:owner", Value: rounds.itQuietB?.owner as string },
    ]);
    // Job A's own alarm, but a message claiming it watches job B.
    const failuresA = rounds.itQuietA?.alarms.find((n) => n.endsWith("-Failures")) as string;
    const refused = await stopWith({
      Records: [
        ...(await deliveries()).flatMap((e) => e.Records),
        ...records(message("ALARM", failuresA, "itQuietB-r1")).Records,
      ],
    });
    expect(refused.outcomes).toEqual([
      {
        outcome: "refused",
        alarm: "someone-elses-alarm",
        reason: expect.stringContaining("not an alarm of this stack"),
      },
      {
        outcome: "refused",
        alarm: forged,
        reason: expect.stringContaining("do not name the job itQuietB-r1"),
      },
      {
        outcome: "refused",
        alarm: failuresA,
        reason: "its notification names job itQuietB-r1 but the alarm watches job itQuietA-r1",
      },
    ]);

    // Published by hand to the force-stop topic: the seed's e-mail-only alarm of job B, in ALARM; job B's
    // force-stop alarm, which is OK now; and a genuine-looking message that came from the e-mail topic.
    const slowB = rounds.itQuietB?.alarms.find((n) => n.endsWith("-DownloadTimeUpperLimitAlarm")) as string;
    await cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: slowB, StateValue: "ALARM", StateReason: "test: slow" }),
    );
    const byHand = await stopWith({
      Records: [
        ...records(message("ALARM", slowB)).Records,
        ...records(message("ALARM")).Records,
        { Sns: { Message: message("ALARM"), TopicArn: email.arn } },
      ],
    });
    expect(byHand.outcomes).toEqual([
      {
        outcome: "refused",
        alarm: slowB,
        reason: "its actions do not name the ota-force-stopper topic (it was not meant to stop its job)",
      },
      { outcome: "stale", alarm: failuresB, reason: "the alarm is OK now, no longer in ALARM" },
      {
        outcome: "refused",
        alarm: failuresB,
        reason: `it did not come from the ota-force-stopper topic (${forceStopper.arn})`,
      },
    ]);
    expect((await jobOf("itQuietA-r1"))?.status).toBe("IN_PROGRESS");
    expect((await jobOf("itQuietB-r1"))?.status).toBe("IN_PROGRESS");
  });

  it("a deployment whose alarm fires mid-round is force-stopped by itself: the round fails naming the alarm, and its clean-up deletes the alarms", async () => {
    await iot.send(new CreateThingCommand({ thingName: "itMidRound-device" }));
    let stopped: ForceStopOutcome[] = [];
    const step = async (handler: string, payload: unknown) => {
      const result = (await invoke(handler as never, payload)) as Record<string, unknown>;
      if (handler === "deploy-round") {
        // Its only device never reports; one failure datapoint above the threshold of 0 (checked against the
        // metric read back), then the alarm's state set, as CloudWatch would.
        const name = (result.alarms as string[]).find((n) => n.endsWith("-Failures")) as string;
        await failuresBreach(name, result.jobId as string, [1], () => "Threshold Crossed (test)");
        for (const delivery of await deliveries())
          stopped = [...stopped, ...(await stopWith(delivery)).outcomes];
      }
      return result;
    };
    const failFast = { ...FAILURES, threshold: 0 };
    const outcome = await runStateMachineLocally(
      definition,
      config("itMidRound", ["itMidRound-device"], { alarms: [failFast] }),
      step,
    ).catch((error: { cause?: { name: string; message: string } }) => error.cause);
    expect(stopped).toEqual([expect.objectContaining({ outcome: "stopped", jobId: "itMidRound-r1" })]);
    expect(outcome).toMatchObject({
      name: "RoundFailed",
      message: expect.stringContaining("the job was cancelled (Force-stopped by alarm"),
    });
    expect(await alarmsOfJob("itMidRound-r1")).toEqual([]);
  });
});
