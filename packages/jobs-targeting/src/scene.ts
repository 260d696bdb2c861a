// This package's demo scene, the seed-000 walkthrough, against the local AWS emulator through the real handlers
// and the real state machine definition: seed things, upload an exclude list, preview, start the job, verify
// that every targeted device got the fast-track write and no excluded one did, describe the job, tear down.
// Every figure is read back from the emulator, not taken from the options.
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
import type { Scene } from "@fleet/manifest";
import { awsClient, iotDataClient, pace } from "@fleet/shared-aws";
import { manifest } from "./index";

export type WalkthroughOptions = {
  things: number;
  excluded: number;
  prefix: string;
  jobName: string;
  listKey: string;
};

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

const scene: Scene<WalkthroughOptions> = {
  manifest,
  title: "a targeted job with an exclude list, fast-tracked, torn down",
  options: {
    things: { description: "things to seed", default: 1000 },
    excluded: { description: "how many of them the exclude list names", default: 300 },
    prefix: { description: "thing name prefix", default: "myDemoThings" },
    jobName: { description: "the job's name", default: "myFirstJob" },
    listKey: {
      description: "the exclude list's key in the lists bucket",
      default: "excludeMyDemoThings.csv",
    },
  },
  optionProblems: ({ things, excluded }) =>
    things > 0 && excluded >= 1 && excluded < things
      ? []
      : [
          `--things must be positive and --excluded between 1 (a job refuses an empty list) and --things - 1, got ${things} and ${excluded}`,
        ],

  async play(stage, options) {
    const { prefix, jobName, listKey } = options;
    const iot = awsClient(IoTClient);
    const bucket = stage.env.LISTS_BUCKET as string;
    // The emulator searches named fields only: a bare `myDemoThings*` term (every field, on AWS) finds nothing.
    const query = `thingName:${prefix}*`;
    stage.limitation(
      `the emulator's fleet index matches named fields only, so the demo targets "${query}" (on AWS, the strict thing-name prefix)`,
    );

    stage.step(`Seeding ${options.things} things ${prefix}0…${options.things - 1} (seed-things)`);
    const { result: seedRuns, items: seeded } = await stage.measure(
      "seed",
      () =>
        stage.untilDone<Counted>("seed-things", {
          mode: "seed",
          demoThingPrefix: prefix,
          seedConfigNumber: options.things,
        }),
      async () => (await listThingNames(iot, prefix)).length,
    );
    stage.info(`seed: ${JSON.stringify(sumCounts(seedRuns))} in ${seedRuns.length} run(s)`);
    stage.figure("things seeded", seeded);

    stage.step(`Uploading an exclude list of ${options.excluded} names`);
    const excluded = excludedNames(options);
    await awsClient(S3Client).send(
      new PutObjectCommand({ Bucket: bucket, Key: listKey, Body: `${excluded.join("\n")}\n` }),
    );
    stage.info(`s3://${bucket}/${listKey}`);

    stage.step("Previewing the targets (preview)");
    const previewRuns = await stage.untilDone<
      Counted & { targeted: number; excluded: number; sample: unknown }
    >("preview", { jobName, fleetIndexQuery: query, excludeListFileName: listKey, sampleSize: 5 });
    const preview = previewRuns.at(-1) as { targeted: number; excluded: number; sample: unknown };
    stage.info(
      `preview: ${preview.targeted} targeted, ${preview.excluded} excluded; sample ${JSON.stringify(preview.sample)}`,
    );
    stage.figure("preview", `${preview.targeted} targeted, ${preview.excluded} excluded`);

    stage.step(`Starting job ${jobName} (start-targeted-job → state machine, run locally)`);
    const started = await stage.invoke<{ executionArn: string }>("start-targeted-job", {
      jobName,
      fleetIndexQuery: query,
      excludeListFileName: listKey,
    });
    const execution = await awsClient(SFNClient).send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    );
    const input = JSON.parse(execution.input ?? "{}") as { updateKey: string; updateValue: number };
    stage.info(`execution ${started.executionArn}`);
    stage.limitation(
      "the emulator has no DescribeIndex: the index-status step checks the index answers a search instead",
    );
    stage.limitation(
      "the emulator has no dynamic thing groups: the job targets the group's ARN, and membership is checked through the fleet index instead",
    );
    const { result: output } = await stage.measure(
      "state machine",
      () =>
        stage.runStateMachine("targeted-job", input, {
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
        }) as Promise<{ steps?: Record<string, Counted> }>,
      // The fleet the job covered: every seeded thing was either a target or excluded.
      () => seeded,
    );
    stage.info(
      `fill: ${JSON.stringify(output.steps?.fill?.counts ?? {})}; fast-track: ${JSON.stringify(output.steps?.fastTrack?.counts ?? {})}`,
    );

    stage.step("Verifying targeted and excluded devices");
    const excludedSet = new Set(excluded);
    const { result: shadows } = await stage.measure(
      "verify shadows",
      () => readUpdateValues(iot, prefix, input.updateKey),
      (values) => values.size,
    );
    const targetedNames = [...shadows.keys()].filter((name) => !excludedSet.has(name));
    const missed = targetedNames.filter((name) => shadows.get(name) !== input.updateValue);
    const leaked = excluded.filter((name) => shadows.get(name) !== undefined);
    stage.check(
      "every targeted device got the fast-track write",
      missed.length === 0,
      `${targetedNames.length - missed.length} of ${targetedNames.length}${missed.length ? `; missing e.g. ${missed.slice(0, 3).join(", ")}` : ""}`,
    );
    stage.check(
      "no excluded device got it",
      leaked.length === 0,
      `${leaked.length} of ${excluded.length} excluded written${leaked.length ? `: ${leaked.slice(0, 3).join(", ")}` : ""}`,
    );
    const members = await countGroupMembers(iot, `${jobName}-exclude`);
    stage.check("the exclude group holds the list", members === excluded.length, `${members} members`);
    stage.check(
      "preview counted the same targets",
      preview.targeted === targetedNames.length && preview.excluded === excluded.length,
      `preview ${preview.targeted} targeted / ${preview.excluded} excluded; verified ${targetedNames.length} / ${excluded.length}`,
    );
    const { job } = await iot.send(new DescribeJobCommand({ jobId: jobName }));
    stage.info(
      `job as the emulator describes it: ${JSON.stringify({ jobId: job?.jobId, status: job?.status, targetSelection: job?.targetSelection, targets: job?.targets, rollout: job?.jobExecutionsRolloutConfig })}`,
    );
    stage.check(
      "the job is CONTINUOUS on the target group at 1000/min",
      job?.targetSelection === "CONTINUOUS" &&
        job?.targets?.length === 1 &&
        (job.targets[0] as string).endsWith(`thinggroup/${jobName}`) &&
        job?.jobExecutionsRolloutConfig?.maximumPerMinute === 1000,
      `${job?.targetSelection} → ${job?.targets?.join(", ")}`,
    );
    stage.figure("exclude group members", members);
    stage.figure("fast-tracked", targetedNames.length - missed.length);
    stage.figure("job status", job?.status ?? "unknown");

    stage.step("Tearing down (teardown)");
    const { result: teardownRuns } = await stage.measure(
      "teardown",
      () => stage.untilDone<Counted>("teardown", { jobName, thingPrefix: prefix }),
      async () => seeded - (await listThingNames(iot, prefix)).length,
    );
    stage.info(`teardown: ${JSON.stringify(teardownRuns.at(-1))}`);
    const leftThings = (await listThingNames(iot, prefix)).length;
    const groupLeft = await iot
      .send(new DescribeThingGroupCommand({ thingGroupName: `${jobName}-exclude` }))
      .then(
        () => true,
        () => false,
      );
    const jobLeft = await iot
      .send(new DescribeJobCommand({ jobId: jobName }))
      .then((r) => r.job?.status ?? "gone")
      .catch(() => "gone");
    stage.check(
      "teardown left nothing behind",
      leftThings === 0 && !groupLeft && jobLeft === "gone",
      `${leftThings} things, exclude group ${groupLeft ? "present" : "gone"}, job ${jobLeft}`,
    );
  },
};

function sumCounts(runs: Counted[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const run of runs) {
    for (const [key, value] of Object.entries(run.counts ?? {})) total[key] = (total[key] ?? 0) + value;
  }
  return total;
}

/** The fast-track key's value in the reported shadow of every thing the registry holds under the prefix. */
async function readUpdateValues(iot: IoTClient, prefix: string, key: string): Promise<Map<string, unknown>> {
  const data = await iotDataClient({ paced: true });
  const names = await listThingNames(iot, prefix);
  const values = new Map<string, unknown>();
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

/** The registry's things whose name starts with `prefix`. */
async function listThingNames(iot: IoTClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsCommand({ nextToken, maxResults: 250 }));
    for (const { thingName } of page.things ?? []) if (thingName?.startsWith(prefix)) names.push(thingName);
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/** Members of a thing group. */
async function countGroupMembers(iot: IoTClient, thingGroupName: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName, nextToken }));
    count += page.things?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

/** The package's scenes, in the order `./run demo` plays them. */
export const scenes = [scene];
