// This package's demo scene, against the local AWS emulator (moto with tooling/testing's IoT OTA extension)
// through the real handlers and the real state machine definitions: upload a firmware file (multipart, both
// hashes in one pass), verify and sign it (release-firmware), deploy it to simulated devices with an exponential
// rollout and abort rules in rounds (deploy), with progress; the summary comes from the emulator's job events,
// never from the options.
import { DescribeJobCommand, DescribeStreamCommand, IoTClient } from "@aws-sdk/client-iot";
import type { Scene } from "@fleet/manifest";
import { awsClient, isNotFound } from "@fleet/shared-aws";
import { enableJobEvents, jobEvents, SimulatedFleet } from "@fleet/testing/simulated-fleet";
import type { DeploymentConfigInput } from "./core/deployment-config";
import type { RoundStatus } from "./core/round-status";
import { manifest } from "./index";
import { provideComponentResources, releaseFirmware } from "./scene-support";
import { watchScene } from "./watch-scene";

export type OtaOptions = {
  devices: number;
  rounds: number;
  failing: number;
  sizeKb: number;
  version: string;
  seed: number;
};

const JOB = "otaDemo";

const scene: Scene<OtaOptions> = {
  manifest,
  title: "a signed firmware release deployed in rounds to simulated devices",
  options: {
    devices: { description: "simulated devices", default: 50 },
    rounds: { description: "deployment rounds (stress test)", default: 2 },
    failing: { description: "devices that fail the update (a failed round stops the rest)", default: 0 },
    sizeKb: { description: "firmware size in KiB", default: 512 },
    version: { description: "the release's version", default: "1.0.0" },
    seed: { description: "seed of the simulated fleet (outcomes, download times)", default: 7 },
  },
  optionProblems: ({ devices, rounds, failing, sizeKb }) => [
    ...(devices >= 1 && devices <= 1000 ? [] : [`--devices must be from 1 to 1000, got ${devices}`]),
    ...(rounds >= 1 && rounds <= 40 ? [] : [`--rounds must be from 1 to 40, got ${rounds}`]),
    ...(failing >= 0 && failing <= devices ? [] : [`--failing must be from 0 to --devices, got ${failing}`]),
    ...(sizeKb >= 1 ? [] : [`--size-kb must be at least 1, got ${sizeKb}`]),
  ],

  async play(stage, options) {
    const iot = awsClient(IoTClient);
    await provideComponentResources();
    stage.limitation(
      "the emulator starts every execution at once: the rollout rate (maximumPerMinute, exponential) is sent and echoed, not paced",
    );
    const release = await releaseFirmware(stage, options);
    stage.figure("stream file id", release.fileId);

    stage.step(`${options.devices} simulated devices, ${options.failing} of them failing`);
    const overrides = Object.fromEntries(
      Array.from({ length: options.failing }, (_, i) => [`otaDemoDevice${i}`, "fail" as const]),
    );
    const fleet = new SimulatedFleet({
      count: options.devices,
      prefix: "otaDemoDevice",
      overrides,
      downloadSeconds: { min: 30, max: 240 },
      msPerSecond: 2,
      seed: options.seed,
    });
    await fleet.provision();
    // Job-execution events are off in an account until enabled (part 2's infra does it); the summary reads them.
    await enableJobEvents(iot);
    fleet.start();

    const config: DeploymentConfigInput = {
      jobId: JOB,
      streamId: `${JOB}-stream`,
      release: options.version,
      targets: { things: fleet.things },
      rounds: options.rounds,
      delayBetweenRoundsSeconds: 1,
      roundDeadlineMinutes: 10,
      pollSeconds: 2,
      maxPollSeconds: 30,
      rollout: {
        maximumPerMinute: 100,
        exponentialRate: {
          baseRatePerMinute: 10,
          incrementFactor: 2,
          rateIncreaseCriteria: { numberOfSucceededThings: 10 },
        },
      },
      abort: {
        criteriaList: [{ failureType: "ALL", thresholdPercentage: 20, minNumberOfExecutedThings: 10 }],
      },
      timeout: { inProgressTimeoutInMinutes: 30 },
    };
    stage.step(
      `Deploying in ${options.rounds} rounds (deploy state machine): exponential rollout, abort at 20 % failures`,
    );
    let outcome: unknown;
    try {
      outcome = await stage.runStateMachine("deploy", config, {
        substitutes: {
          // Progress between the state machine's waits (which run at once locally: a short pause instead).
          "round-status": async (payload) => {
            await new Promise((resolve) => setTimeout(resolve, 250));
            const status = await stage.invoke<RoundStatus>("round-status", payload);
            const counts = status.counts;
            const round = (payload as { round: number }).round;
            stage.info(
              `round ${round}: ${counts.numberOfSucceededThings ?? 0} succeeded, ${counts.numberOfFailedThings ?? 0} failed, ${counts.numberOfInProgressThings ?? 0} in progress, ${counts.numberOfQueuedThings ?? 0} queued`,
            );
            return status;
          },
        },
      });
    } catch (error) {
      outcome = error;
    } finally {
      await fleet.stop();
    }

    stage.step("Summary, from the emulator's job and execution events");
    const endpoint = process.env.AWS_ENDPOINT_URL as string;
    let roundsRun = 0;
    for (let round = 1; round <= options.rounds; round++) {
      const events = await jobEvents(endpoint, `${JOB}-r${round}`);
      if (events.length === 0) break;
      roundsRun = round;
      const succeeded = events.filter((e) => e.topic.endsWith("/succeeded")).length;
      const failed = events.filter((e) => e.topic.endsWith("/failed")).length;
      const downloads = events
        .map((e) => Number((e.payload.statusDetails as Record<string, string> | undefined)?.downloadTime))
        .filter((n) => n > 0);
      stage.figure(`round ${round} succeeded`, succeeded);
      stage.figure(`round ${round} failed`, failed);
      if (downloads.length > 0)
        stage.figure(
          `round ${round} mean downloadTime (s)`,
          Math.round(downloads.reduce((a, b) => a + b, 0) / downloads.length),
        );
      const job = await iot
        .send(new DescribeJobCommand({ jobId: `${JOB}-r${round}` }))
        .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
      stage.check(`round ${round} cleaned up`, job === undefined, `job ${JOB}-r${round} deleted`);
    }
    const stream = await iot
      .send(new DescribeStreamCommand({ streamId: `${JOB}-stream` }))
      .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
    stage.check("stream deleted", stream === undefined, `${JOB}-stream deleted after the last round`);
    if (options.failing === 0) {
      stage.check(
        "every round succeeded",
        roundsRun === options.rounds && !(outcome instanceof Error),
        `${roundsRun} of ${options.rounds} rounds, every device SUCCEEDED`,
      );
    } else {
      const cause = String((outcome as { cause?: { message?: string } })?.cause?.message ?? "");
      stage.check(
        "the failed round stopped the rest",
        roundsRun === 1 && cause.includes("otaDemoDevice0"),
        `stopped after round 1: ${cause.slice(0, 160)}`,
      );
    }
  },
};

/** The package's scenes, in the order `./run demo` plays them. */
export const scenes = [scene, watchScene];
