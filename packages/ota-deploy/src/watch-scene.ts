// The ota-watch scene: a release scheduled through the queue, claimed by one of several deployers at once, and
// deployed (the deploy state machine on the execution the deployer started) to simulated devices, some of which
// download slowly; their job events become metrics in CloudWatch (job-metrics, EMF shipped as CloudWatch Logs
// would), the round's download-time alarm is breached and goes to ALARM, the force stopper cancels the round's job
// and tells the e-mail topic, the round fails naming the alarm and its clean-up deletes the alarms; the status
// handler's summary of the stopped job is shown and the queue entry ends Deployed. Every figure is read back from
// the emulator.
import { CloudWatchClient, type Datapoint, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeJobCommand, IoTClient, type Job } from "@aws-sdk/client-iot";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import type { Scene, Stage } from "@fleet/manifest";
import { awsClient } from "@fleet/shared-aws";
import { captureStdout } from "@fleet/testing/emf";
import { enableJobEvents, SimulatedFleet } from "@fleet/testing/simulated-fleet";
import { listenedTopic } from "@fleet/testing/sns-listener";
import type { AlarmConfigInput } from "./core/alarm-config";
import type { DeployerResult } from "./core/deployer";
import type { DeploymentConfigInput } from "./core/deployment-config";
import { FORCE_STOP_REASON } from "./core/force-stop";
import type { JobStatus } from "./core/job-status";
import type { ScheduleListing } from "./core/list-schedule";
import type { RoundStatus } from "./core/round-status";
import { manifest } from "./index";
import { deliverJobEvents } from "./job-events-local";
import { DETAIL_METRICS, JOB_EXECUTION_NAMESPACE, JOB_ID_DIMENSION, JOB_OPERATIONS } from "./metric-names";
import { percentile, valuesOf } from "./scene-alarms";
import { localTopicName, provideComponentResources, releaseFirmware } from "./scene-support";
import { RoundWatcher } from "./scene-watcher";

export type WatchOptions = {
  devices: number;
  slowPercent: number;
  failing: number;
  offline: number;
  deployers: number;
  seed: number;
};

const JOB = "otaWatch";
const ROUND_JOB = `${JOB}-r1`;
const VERSION = "1.1.0";
/** Simulated download seconds: most devices, and the slow ones, beyond the upper alarm's threshold. */
const FAST = { min: 20, max: 120 };
const SLOW = { min: 900, max: 1800 };
const UPPER_LIMIT_SECONDS = 600;

// The seed's two download-time alarms (dev.ini's ALARM_CONFIG sections), evaluated over one minute: the scene's
// devices report within one.
const ALARMS: AlarmConfigInput[] = [
  {
    name: "DownloadTimeUpperLimitAlarm",
    metricName: DETAIL_METRICS.downloadTime,
    stat: "p99",
    period: 60,
    threshold: UPPER_LIMIT_SECONDS,
    alarmType: "upper",
    evaluationPeriods: 1,
    topics: ["ota-force-stopper", "email-notification"],
  },
  {
    name: "DownloadTimeLowerLimitAlarm",
    metricName: DETAIL_METRICS.downloadTime,
    stat: "p99",
    period: 60,
    threshold: 10,
    alarmType: "lower",
    evaluationPeriods: 1,
    topics: ["ota-force-stopper"],
  },
];

/**
 * Delivers the round's job events that arrived since the last call through the job-events queue to job-metrics,
 * as the IoT rules and the event source mapping do, and answers the handler's output (its EMF lines). The
 * emulator records every `$aws/events/job…` event it publishes; it runs no rule.
 */
function jobEventsDelivery(stage: Stage): () => Promise<string> {
  let delivered = 0;
  return async () => {
    const { output } = await captureStdout(async () => {
      const { sent } = await deliverJobEvents({
        endpoint: process.env.AWS_ENDPOINT_URL as string,
        queueUrl: stage.resources["job-events"] as string,
        jobId: ROUND_JOB,
        alreadySent: delivered,
        invoke: (handler, event) => stage.invoke(handler, event),
      });
      delivered += sent;
    });
    return output;
  };
}

const scene: Scene<WatchOptions> = {
  manifest,
  name: "ota-watch",
  title: "a scheduled rollout watched: slow downloads breach its alarm, the force stopper cancels it",
  options: {
    devices: { description: "simulated devices", default: 40 },
    slowPercent: {
      description: `share of devices whose download takes ${SLOW.min}-${SLOW.max} s (the alarm's limit is ${UPPER_LIMIT_SECONDS} s), in percent`,
      default: 20,
    },
    failing: { description: "devices that fail the update", default: 3 },
    offline: {
      description: "devices that never ask for the job (the round cannot complete before its alarm is heard)",
      default: 2,
    },
    deployers: { description: "deployer runs at once (the schedule firing in several places)", default: 5 },
    seed: { description: "seed of the simulated fleet (download times)", default: 11 },
  },
  optionProblems: ({ devices, slowPercent, failing, offline, deployers }) => [
    ...(devices >= 4 && devices <= 100 ? [] : [`--devices must be from 4 to 100, got ${devices}`]),
    ...(Math.round((devices * slowPercent) / 100) >= 1 && slowPercent <= 50
      ? []
      : [`--slow-percent must make at least one slow device and be at most 50, got ${slowPercent}`]),
    ...(failing >= 0 ? [] : [`--failing must be 0 or more, got ${failing}`]),
    ...(offline >= 1 ? [] : [`--offline must be at least 1, got ${offline}`]),
    ...(failing + offline + Math.round((devices * slowPercent) / 100) < devices
      ? []
      : ["--failing, --offline and the slow devices must leave some devices that succeed quickly"]),
    ...(deployers >= 1 && deployers <= 20 ? [] : [`--deployers must be from 1 to 20, got ${deployers}`]),
  ],

  async play(stage, options) {
    const iot = awsClient(IoTClient);
    const cloudWatch = awsClient(CloudWatchClient);
    await provideComponentResources();
    stage.limitation(
      "the local stack has no alarm topics (infra's component creates them): the scene creates email-notification, sms-notification and ota-force-stopper; the force stopper's Lambda subscription is an SQS subscription read back and delivered as SNS's event",
    );
    // A queue subscribed to each topic the alarms and the force stopper use: what SNS delivered, read back.
    const forceStopper = await listenedTopic(localTopicName("ota-force-stopper"));
    const email = await listenedTopic(localTopicName("email-notification"));
    await releaseFirmware(stage, { version: VERSION, sizeKb: 64 });

    const slow = Math.round((options.devices * options.slowPercent) / 100);
    stage.step(
      `${options.devices} simulated devices: ${slow} with slow downloads, ${options.failing} failing, ${options.offline} offline`,
    );
    const overrides = Object.fromEntries([
      ...Array.from({ length: options.failing }, (_, i) => [`otaWatchDevice${i}`, "fail" as const]),
      ...Array.from({ length: options.offline }, (_, i) => [
        `otaWatchDevice${options.failing + i}`,
        "ignore" as const,
      ]),
    ]);
    const fleets = [
      new SimulatedFleet({
        count: options.devices - slow,
        prefix: "otaWatchDevice",
        overrides,
        downloadSeconds: FAST,
        msPerSecond: 2,
        seed: options.seed,
      }),
      new SimulatedFleet({
        count: slow,
        prefix: "otaWatchSlow",
        downloadSeconds: SLOW,
        msPerSecond: 2,
        seed: options.seed + 1,
      }),
    ];
    for (const fleet of fleets) await fleet.provision();
    await enableJobEvents(iot);

    stage.step("Scheduling the deployment (add-schedule): one round, the seed's download-time alarms");
    const config: DeploymentConfigInput = {
      jobId: JOB,
      streamId: `${JOB}-stream`,
      release: VERSION,
      targets: { things: fleets.flatMap((fleet) => fleet.things) },
      rounds: 1,
      roundDeadlineMinutes: 10,
      pollSeconds: 1,
      maxPollSeconds: 5,
      abort: {
        criteriaList: [{ failureType: "FAILED", thresholdPercentage: 50, minNumberOfExecutedThings: 10 }],
      },
      timeout: { inProgressTimeoutInMinutes: 60 },
      alarms: ALARMS,
    };
    const queued = await stage.invoke<{ deploymentId: string; status: string }>("add-schedule", { config });
    const pending = await stage.invoke<ScheduleListing>("list-schedule", { status: "PendingDeployment" });
    stage.check(
      "queued",
      pending.deployments.some((d) => d.deploymentId === queued.deploymentId),
      `${queued.deploymentId} is PendingDeployment`,
    );

    stage.step(`${options.deployers} deployer runs at once: one claims the deployment and starts it`);
    stage.limitation(
      "the emulator never fires the EventBridge Scheduler schedule: the scene runs the deployer as the schedule would",
    );
    const { result: runs } = await stage.measure(
      "deployers",
      () =>
        Promise.all(
          Array.from({ length: options.deployers }, () => stage.invoke<DeployerResult>("deployer", {})),
        ),
      async () =>
        (await stage.invoke<ScheduleListing>("list-schedule", { status: "Deployed" })).deployments.length,
    );
    const started = runs.flatMap((run) => run.deployed);
    stage.check(
      "exactly one claim",
      started.length === 1 && started[0]?.deploymentId === queued.deploymentId,
      `${started.length} of ${options.deployers} runs started a deployment; ${runs.filter((r) => r.deployed.length === 0).length} found nothing`,
    );
    const executionArn = started[0]?.executionArn as string;
    const { input } = await awsClient(SFNClient).send(new DescribeExecutionCommand({ executionArn }));
    const execution = JSON.parse(input ?? "{}") as DeploymentConfigInput;
    stage.info(
      `execution ${started[0]?.deploymentId}: job ${execution.jobId}, release ${execution.release}, ${execution.alarms?.length ?? 0} alarms`,
    );
    stage.limitation(
      "the emulator's Step Functions records the deployer's execution without running it: the scene runs the deploy definition locally on that execution's input, read back",
    );

    stage.step("The deploy execution: round 1, the devices report, job events → job-metrics → CloudWatch");
    stage.limitation(
      "the emulator runs no IoT rule and no CloudWatch Logs metric extraction: the job events are delivered to job-metrics and its EMF put into CloudWatch as they would be",
    );
    stage.limitation(
      "the emulator evaluates no alarm: the scene compares each round alarm with its datapoints read back, and sets the state CloudWatch would (SetAlarmState); the emulator then notifies the alarm's topics",
    );
    const watcher = new RoundWatcher(stage, cloudWatch, forceStopper, jobEventsDelivery(stage));
    let atCleanUp: { job: Job | undefined; alarmStates: string[]; status: JobStatus[] } | undefined;
    let outcome: unknown;
    let progress = "";
    for (const fleet of fleets) fleet.start();
    try {
      outcome = await stage.runStateMachine("deploy", execution, {
        substitutes: {
          "deploy-round": async (payload) => {
            const round = await stage.invoke<{ alarms: string[] }>("deploy-round", payload);
            watcher.alarmNames = round.alarms;
            return round;
          },
          // Between the state machine's waits (which run at once locally: a short pause instead), what AWS does
          // meanwhile; then the round's progress.
          "round-status": async (payload) => {
            await new Promise((resolve) => setTimeout(resolve, 250));
            await watcher.tick();
            const status = await stage.invoke<RoundStatus>("round-status", payload);
            const counts = status.counts;
            const line = `${counts.numberOfSucceededThings ?? 0} succeeded, ${counts.numberOfFailedThings ?? 0} failed, ${counts.numberOfInProgressThings ?? 0} in progress, ${counts.numberOfQueuedThings ?? 0} queued, ${counts.numberOfCanceledThings ?? 0} canceled`;
            if (line !== progress) stage.info(line);
            progress = line;
            return status;
          },
          // The stopped job as it stands before its clean-up deletes it (the cancel's events delivered too): its
          // alarms' states and the status handler's summary.
          "clean-up": async (payload) => {
            await watcher.shipMetrics();
            atCleanUp = {
              job: (await iot.send(new DescribeJobCommand({ jobId: ROUND_JOB }))).job,
              alarmStates: (await watcher.alarms())
                .filter((alarm) => watcher.fired.has(alarm.AlarmName as string))
                .map((alarm) => alarm.StateValue as string),
              status: await statusPages(stage),
            };
            return stage.invoke("clean-up", payload);
          },
        },
      });
    } catch (error) {
      outcome = error;
    } finally {
      for (const fleet of fleets) await fleet.stop();
    }

    const [summary] = atCleanUp?.status ?? [];
    stage.figure("devices", summary?.total ?? 0);
    stage.figure("succeeded", summary?.counts.SUCCEEDED ?? 0);
    stage.figure("failed", summary?.counts.FAILED ?? 0);
    stage.figure("canceled", summary?.counts.CANCELED ?? 0);

    stage.step("The alarm fired; the force stopper cancelled the round's job and told the e-mail topic");
    const fired = [...watcher.fired.keys()];
    const alarmName = fired[0] ?? "";
    stage.check(
      "the upper limit alarm fired, the lower one did not",
      fired.length === 1 && alarmName.endsWith("-DownloadTimeUpperLimitAlarm"),
      fired.join(", ") || "no alarm fired",
    );
    stage.figure("alarm state", atCleanUp?.alarmStates.join(", ") || "never set");
    const stopped = watcher.stopped;
    stage.check(
      "the force stopper stopped the round's job",
      stopped.some((o) => o.outcome === "stopped" && o.jobId === ROUND_JOB && o.alarm === alarmName),
      stopped.map((o) => `${o.outcome} ${"jobId" in o ? o.jobId : ""}`).join("; ") || "not called",
    );
    const job = atCleanUp?.job;
    stage.check(
      "the job was cancelled with force by the alarm",
      job?.status === "CANCELED" && job.forceCanceled === true && job.reasonCode === FORCE_STOP_REASON,
      `${job?.status} ${job?.reasonCode}: ${job?.comment?.slice(0, 120)}`,
    );
    stage.figure("job status", `${job?.status} ${job?.reasonCode ?? ""}`.trim());
    const mails = await email.received();
    for (const mail of mails) stage.info(`e-mail: ${mail.Subject}`);
    const report = mails.find((m) => m.Subject === `ota-deploy force-stopped job ${ROUND_JOB}`);
    stage.check(
      "the e-mail topic was told which job was stopped and by which alarm",
      report?.Message.includes(ROUND_JOB) === true && report.Message.includes(alarmName),
      report ? `"${report.Subject}", naming the alarm` : "no report",
    );
    stage.figure("e-mails sent", mails.length);
    const cause = (outcome as { cause?: { name?: string; message?: string } } | undefined)?.cause;
    stage.check(
      "the round failed, naming the alarm",
      cause?.name === "RoundFailed" && (cause.message ?? "").includes(`Force-stopped by alarm ${alarmName}`),
      (cause?.message ?? String(outcome)).slice(0, 200),
    );
    stage.figure("deploy execution", cause?.name ? `failed: ${cause.name}` : "succeeded");
    const left = await watcher.alarms();
    stage.check("the round's alarms were deleted", left.length === 0, `${left.length} left`);

    stage.step("What CloudWatch holds for the round's job");
    stage.limitation(
      "moto computes no percentile (ExtendedStatistics): p50/p99 come from the values shipped to CloudWatch, checked against the SampleCount, Sum, Minimum and Maximum it holds",
    );
    const metric = {
      Namespace: JOB_EXECUTION_NAMESPACE,
      Dimensions: [{ Name: JOB_ID_DIMENSION, Value: ROUND_JOB }],
    };
    const downloads = valuesOf(watcher.shipped, { ...metric, MetricName: DETAIL_METRICS.downloadTime }).map(
      (v) => v.value,
    );
    const held = await wholeRound(cloudWatch, { ...metric, MetricName: DETAIL_METRICS.downloadTime });
    stage.check(
      "CloudWatch holds every download time reported",
      held?.SampleCount === downloads.length &&
        held.Sum === downloads.reduce((a, b) => a + b, 0) &&
        held.Minimum === Math.min(...downloads) &&
        held.Maximum === Math.max(...downloads),
      `${held?.SampleCount} values, ${held?.Minimum}-${held?.Maximum} s`,
    );
    stage.figure("downloadTime p50 (s)", percentile(downloads, 50) ?? "none");
    stage.figure("downloadTime p99 (s)", percentile(downloads, 99) ?? "none");
    const canceledJobs = await wholeRound(cloudWatch, {
      ...metric,
      MetricName: JOB_OPERATIONS.canceled.perJob,
    });
    stage.check(
      "the cancellation reached the metrics",
      canceledJobs?.Sum === 1,
      `jobCanceledCount ${canceledJobs?.Sum ?? 0}`,
    );

    stage.step("The status handler's summary of the stopped job (before its clean-up deleted it)");
    const pages = atCleanUp?.status ?? [];
    const listed = pages.flatMap((page) => page.devices);
    if (summary) {
      stage.info(
        `${summary.jobId} ${summary.jobStatus} (${summary.reasonCode}), ${summary.total} devices: ${Object.entries(
          summary.counts,
        )
          .filter(([, n]) => n > 0)
          .map(([status, n]) => `${n} ${status}`)
          .join(", ")}`,
      );
      stage.info(
        `progress: ${summary.progress.started} started, ${summary.progress.finished} finished (${summary.progress.percent} %), elapsed ${summary.elapsedSeconds} s`,
      );
      stage.info(`abort: ${JSON.stringify(summary.abort)}; timeout: ${JSON.stringify(summary.timeout)}`);
      for (const [n, page] of pages.entries()) {
        for (const device of page.devices)
          stage.info(
            `page ${n + 1}: ${device.status} ${device.thingName} ${JSON.stringify(device.statusDetails)}`,
          );
      }
    }
    const failing = fleets[0]?.devices("fail") ?? [];
    stage.check(
      "the summary lists the failed devices with their status details, page by page",
      summary?.total === options.devices &&
        listed
          .map((d) => d.thingName)
          .sort()
          .join() === [...failing].sort().join() &&
        listed.every((d) => d.status === "FAILED" && d.statusDetails.reason !== undefined),
      `${listed.length} listed over ${pages.length} pages`,
    );

    stage.step("The queue: the deployment's entry (list-schedule)");
    const deployed = await stage.invoke<ScheduleListing>("list-schedule", { status: "Deployed" });
    const entry = deployed.deployments.find((d) => d.deploymentId === queued.deploymentId);
    stage.check(
      "the entry ends Deployed, naming its execution",
      entry?.executionArn === executionArn,
      `${entry?.deploymentId} ${entry?.status} ${entry?.executionArn}`,
    );
    stage.figure("schedule status", entry?.status ?? "missing");
  },
};

/** Every page of the status handler's answer for the round's job (two devices a page). */
async function statusPages(stage: Stage): Promise<JobStatus[]> {
  const pages: JobStatus[] = [];
  let cursor: JobStatus["nextCursor"] = null;
  do {
    const page: JobStatus = await stage.invoke<JobStatus>("status", {
      jobId: ROUND_JOB,
      pageSize: 2,
      cursor,
    });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

/** A metric's statistics over the whole scene (one datapoint: every value in the last hour). */
async function wholeRound(
  cloudWatch: CloudWatchClient,
  metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] },
): Promise<Datapoint | undefined> {
  const { Datapoints = [] } = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      ...metric,
      StartTime: new Date(Date.now() - 3_600_000),
      EndTime: new Date(Date.now() + 3_600_000),
      Period: 7200,
      Statistics: ["SampleCount", "Sum", "Minimum", "Maximum"],
    }),
  );
  return Datapoints[0];
}

export const watchScene = scene;
