// The seed-000 walkthrough, end to end against the local AWS emulator, through the real handlers and the real
// state machine definition: seed things, upload an exclude list, preview, start the job, verify that every
// targeted device got the fast-track write and no excluded one did, describe the job, tear everything down.
import {
  DescribeJobCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
  SearchIndexCommand,
} from "@aws-sdk/client-iot";
import { GetThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { manifest } from "@fleet/jobs-targeting";
import { awsClient, iotDataClient, pace } from "@fleet/shared-aws";
import { startEmulator } from "@fleet/testing/emulator";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { handlerInvoker, untilDone } from "./handlers";
import { provisionLocalStack } from "./local-stack";

export interface WalkthroughOptions {
  things: number;
  excluded: number;
  prefix: string;
  jobName: string;
  listKey: string;
}

export const DEFAULT_WALKTHROUGH: WalkthroughOptions = {
  things: 1000,
  excluded: 300,
  prefix: "myDemoThings",
  jobName: "myFirstJob",
  listKey: "excludeMyDemoThings.csv",
};

export interface StepTiming {
  step: string;
  items: number;
  seconds: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface WalkthroughSummary {
  seeded: number;
  excluded: number;
  previewTargeted: number;
  previewExcluded: number;
  fastTracked: number;
  jobStatus: string;
  timings: StepTiming[];
  checks: Check[];
  ok: boolean;
}

export interface Reporter {
  step(title: string): void;
  info(line: string): void;
  /** A feature the emulator lacks, and what is verified instead: one plain line. */
  limitation(line: string): void;
  progress(line: string): void;
}

interface Counted {
  done?: boolean;
  cursor?: unknown;
  counts?: Record<string, number>;
}

/** Every `n`-th name by a fixed stride, so the excluded things are spread over the fleet. */
export function excludedNames(options: WalkthroughOptions): string[] {
  const stride = options.things / options.excluded;
  return Array.from({ length: options.excluded }, (_, i) => `${options.prefix}${Math.floor(i * stride)}`);
}

export async function runWalkthrough(
  options: WalkthroughOptions,
  report: Reporter,
): Promise<WalkthroughSummary> {
  const timings: StepTiming[] = [];
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    report.info(`${ok ? "✔" : "✘"} ${name}: ${detail}`);
  };
  const timed = async <T>(step: string, items: number, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const ticker = setInterval(
      () => report.progress(`${step}… ${Math.round((performance.now() - started) / 1000)} s`),
      2000,
    );
    try {
      return await work();
    } finally {
      clearInterval(ticker);
      timings.push({ step, items, seconds: (performance.now() - started) / 1000 });
    }
  };

  report.step("Starting the local AWS emulator");
  const emulator = await startEmulator();
  Object.assign(process.env, emulator.env);
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  try {
    const stackEnv = await provisionLocalStack(manifest);
    Object.assign(process.env, stackEnv);
    report.info(`emulator at ${emulator.endpoint}; lists bucket ${stackEnv.LISTS_BUCKET}`);
    const invoke = handlerInvoker(manifest);
    const targetedJob = manifest.stateMachines["targeted-job"] as { definition: object };
    const iot = awsClient(IoTClient);
    const bucket = stackEnv.LISTS_BUCKET as string;
    // The emulator searches named fields only: a bare `myDemoThings*` term (every field, on AWS) finds nothing.
    const query = `thingName:${options.prefix}*`;
    report.limitation(
      `the emulator's fleet index matches named fields only, so the demo targets "${query}" (on AWS, the strict thing-name prefix)`,
    );

    report.step(`Seeding ${options.things} things ${options.prefix}0…${options.things - 1} (seed-things)`);
    const seedRuns = await timed("seed", options.things, () =>
      untilDone<Counted>(invoke, "seed-things", {
        mode: "seed",
        demoThingPrefix: options.prefix,
        seedConfigNumber: options.things,
      }),
    );
    report.info(`seed: ${JSON.stringify(sumCounts(seedRuns))} in ${seedRuns.length} run(s)`);

    report.step(`Uploading an exclude list of ${options.excluded} names`);
    const excluded = excludedNames(options);
    await awsClient(S3Client).send(
      new PutObjectCommand({ Bucket: bucket, Key: options.listKey, Body: `${excluded.join("\n")}\n` }),
    );
    report.info(`s3://${bucket}/${options.listKey}`);

    report.step("Previewing the targets (preview)");
    const previewRuns = await untilDone<Counted & { targeted: number; excluded: number; sample: unknown }>(
      invoke,
      "preview",
      {
        jobName: options.jobName,
        fleetIndexQuery: query,
        excludeListFileName: options.listKey,
        sampleSize: 5,
      },
    );
    const preview = previewRuns.at(-1) as { targeted: number; excluded: number; sample: unknown };
    report.info(
      `preview: ${preview.targeted} targeted, ${preview.excluded} excluded; sample ${JSON.stringify(preview.sample)}`,
    );

    report.step(`Starting job ${options.jobName} (start-targeted-job → state machine, run locally)`);
    const started = (await invoke("start-targeted-job", {
      jobName: options.jobName,
      fleetIndexQuery: query,
      excludeListFileName: options.listKey,
    })) as { executionArn: string };
    const execution = await awsClient(SFNClient).send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    );
    report.info(`execution ${started.executionArn}`);
    report.limitation(
      "the emulator has no DescribeIndex: the index-status step checks the index answers a search instead",
    );
    report.limitation(
      "the emulator has no dynamic thing groups: the job targets the group's ARN, and membership is checked through the fleet index instead",
    );
    const output = (await timed("state machine", options.things, () =>
      runStateMachineLocally(targetedJob.definition, JSON.parse(execution.input ?? "{}"), invoke, {
        substitutes: {
          "index-status": async () => {
            await iot.send(new SearchIndexCommand({ queryString: query, maxResults: 1 }));
            return { indexStatus: "ACTIVE", ready: true };
          },
          "create-target-group": async (payload) => {
            const { groupName } = payload as { groupName: string };
            const exclude = await iot.send(
              new DescribeThingGroupCommand({ thingGroupName: `${groupName}-exclude` }),
            );
            const groupArn = (exclude.thingGroupArn as string).replace(
              /thinggroup\/.*$/,
              `thinggroup/${groupName}`,
            );
            return { groupName, groupArn, outcome: "emulator-lacks-dynamic-groups" };
          },
        },
        onEvent: (event) => {
          if (event.type === "StateEntered" && event.state) report.progress(`state ${event.state}`);
        },
      }),
    )) as { steps?: Record<string, Counted> };
    const fastTracked = output.steps?.fastTrack?.counts ?? {};
    report.info(
      `fill: ${JSON.stringify(output.steps?.fill?.counts ?? {})}; fast-track: ${JSON.stringify(fastTracked)}`,
    );

    report.step("Verifying targeted and excluded devices");
    const excludedSet = new Set(excluded);
    const shadows = await timed("verify shadows", options.things, () => readUpdateValues(options));
    const plan = JSON.parse(execution.input ?? "{}") as { updateKey: string; updateValue: number };
    const targetedNames = [...shadows.keys()].filter((name) => !excludedSet.has(name));
    const missed = targetedNames.filter((name) => shadows.get(name) !== plan.updateValue);
    const leaked = excluded.filter((name) => shadows.get(name) !== undefined);
    check(
      "every targeted device got the fast-track write",
      missed.length === 0,
      `${targetedNames.length - missed.length} of ${targetedNames.length}${missed.length ? `; missing e.g. ${missed.slice(0, 3).join(", ")}` : ""}`,
    );
    check(
      "no excluded device got it",
      leaked.length === 0,
      `${leaked.length} of ${excluded.length} excluded written${leaked.length ? `: ${leaked.slice(0, 3).join(", ")}` : ""}`,
    );
    const members = await listGroup(iot, `${options.jobName}-exclude`);
    check("the exclude group holds the list", members === excluded.length, `${members} members`);
    check(
      "preview counted the same targets",
      preview.targeted === targetedNames.length && preview.excluded === excluded.length,
      `preview ${preview.targeted} targeted / ${preview.excluded} excluded; verified ${targetedNames.length} / ${excluded.length}`,
    );
    const { job } = await iot.send(new DescribeJobCommand({ jobId: options.jobName }));
    report.info(
      `job as the emulator describes it: ${JSON.stringify({ jobId: job?.jobId, status: job?.status, targetSelection: job?.targetSelection, targets: job?.targets, rollout: job?.jobExecutionsRolloutConfig })}`,
    );
    check(
      "the job is CONTINUOUS on the target group at 1000/min",
      job?.targetSelection === "CONTINUOUS" &&
        job?.targets?.length === 1 &&
        (job.targets[0] as string).endsWith(`thinggroup/${options.jobName}`) &&
        job?.jobExecutionsRolloutConfig?.maximumPerMinute === 1000,
      `${job?.targetSelection} → ${job?.targets?.join(", ")}`,
    );

    report.step("Tearing down (teardown)");
    const teardownRuns = await timed("teardown", options.things, () =>
      untilDone<Counted>(invoke, "teardown", { jobName: options.jobName, thingPrefix: options.prefix }),
    );
    report.info(`teardown: ${JSON.stringify(teardownRuns.at(-1))}`);
    const leftThings = await countThings(iot, options.prefix);
    const groupsLeft = await listGroup(iot, `${options.jobName}-exclude`).catch(() => 0);
    const jobLeft = await iot
      .send(new DescribeJobCommand({ jobId: options.jobName }))
      .then((r) => r.job?.status ?? "gone")
      .catch(() => "gone");
    check(
      "teardown left nothing behind",
      leftThings === 0 && groupsLeft === 0 && jobLeft === "gone",
      `${leftThings} things, exclude group ${groupsLeft ? "present" : "gone"}, job ${jobLeft}`,
    );

    return {
      seeded: options.things,
      excluded: excluded.length,
      previewTargeted: preview.targeted,
      previewExcluded: preview.excluded,
      fastTracked: targetedNames.length - missed.length,
      jobStatus: job?.status ?? "unknown",
      timings,
      checks,
      ok: checks.every((c) => c.ok),
    };
  } finally {
    await emulator.stop();
  }
}

function sumCounts(runs: Counted[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const run of runs) {
    for (const [key, value] of Object.entries(run.counts ?? {})) total[key] = (total[key] ?? 0) + value;
  }
  return total;
}

/** The fast-track value in every seeded thing's reported shadow (undefined when absent). */
async function readUpdateValues(options: WalkthroughOptions): Promise<Map<string, unknown>> {
  const data = await iotDataClient({ paced: true });
  const names = Array.from({ length: options.things }, (_, i) => `${options.prefix}${i}`);
  const values = new Map<string, unknown>();
  const key = process.env.UPDATE_KEY ?? "updateKey";
  const result = await pace(
    names,
    async (thingName) => {
      try {
        const shadow = await data.send(new GetThingShadowCommand({ thingName }));
        values.set(thingName, JSON.parse(new TextDecoder().decode(shadow.payload)).state?.reported?.[key]);
      } catch (error) {
        if ((error as Error).name !== "ResourceNotFoundException") throw error;
        values.set(thingName, undefined);
      }
    },
    { rate: 400, concurrency: 8 },
  );
  if (result.failed.length > 0)
    throw new Error(`could not read ${result.failed.length} shadows: ${result.failed[0]?.reason}`);
  return values;
}

async function countThings(iot: IoTClient, prefix: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsCommand({ nextToken, maxResults: 250 }));
    count += (page.things ?? []).filter((thing) => thing.thingName?.startsWith(prefix)).length;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

async function listGroup(iot: IoTClient, thingGroupName: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName, nextToken }));
    count += page.things?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}
