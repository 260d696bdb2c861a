// Throughput of the three paced steps — seed, fill, fast-track — through the real core code and clients,
// (a) against a fake that enforces AWS's default quotas and throttles above them, (b) against the local AWS
// emulator at rates it can serve. Prints BENCH lines (ratio = items done per second ÷ configured rate,
// throttled calls, lost items) and a projection for 1,000,000 devices next to the physical floor
// (devices ÷ quota), then a table. Run: `pnpm bench` (BENCH_SECONDS sets the work per case, default 20).
import { IoTClient, ListThingsCommand, ListThingsInThingGroupCommand } from "@aws-sdk/client-iot";
import { GetThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { awsClient, iotDataClient, pace } from "@fleet/shared-aws";
import type { StepResult } from "@fleet/shared-aws/steps";
import { startEmulator } from "@fleet/testing/emulator";
import { fastTrack } from "../src/core/fast-track";
import { fillExcludeGroup } from "../src/core/fill-exclude-group";
import { seedThings } from "../src/core/seed";
import { type Api, installFakeAws } from "./fake-aws";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const DEVICES = 1_000_000;
const CONCURRENCY = 32;
/** AWS's default quotas (../shared/reference/aws-limits.md), the fake's token buckets. */
const AWS_QUOTAS: Record<Api, number> = {
  DescribeThing: 350,
  CreateThing: 100,
  AddThingToThingGroup: 100,
  SearchIndex: 15,
  UpdateThingShadow: 400,
};
/** Items a second each step may do at those quotas: a seed item is one DescribeThing and one CreateThing. */
const STEP_QUOTA = {
  seed: Math.min(AWS_QUOTAS.CreateThing, AWS_QUOTAS.DescribeThing),
  fill: AWS_QUOTAS.AddThingToThingGroup,
  "fast-track": AWS_QUOTAS.UpdateThingShadow,
};
/** What the emulator (a few hundred calls a second on 2 cores) serves without becoming the bottleneck. */
const EMULATOR_RATES = { seed: 100, fill: 150, "fast-track": 150 };
type StepName = keyof typeof STEP_QUOTA;

interface Measure {
  step: StepName;
  backend: "fake" | "emulator";
  rate: number;
  items: number;
  seconds: number;
  calls: number;
  throttled: number;
  lost: number;
  duplicated: number;
}

const logger = { info: () => undefined, warn: () => undefined };
const forever = Number.POSITIVE_INFINITY;
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const listBytes = (list: string[]) => new TextEncoder().encode(`${list.join("\n")}\n`);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, (performance.now() - started) / 1000];
}

function doneOnce(expected: string[], done: Map<string, number>) {
  return {
    lost: expected.filter((name) => !done.has(name)).length,
    duplicated: [...done.values()].filter((n) => n > 1).length,
  };
}

function assertFinished(step: string, result: StepResult<unknown>) {
  if (!result.done || result.failures.length > 0) {
    throw new Error(
      `${step} did not finish cleanly: ${JSON.stringify({ done: result.done, failures: result.failures.slice(0, 3) })}`,
    );
  }
}

// ---- (a) the quota-enforcing fake ----

async function againstFake(): Promise<Measure[]> {
  const fake = installFakeAws(AWS_QUOTAS);
  const iot = awsClient(IoTClient);
  const paced = awsClient(IoTClient, { paced: true });
  const s3 = awsClient(S3Client);
  const shadows = await iotDataClient({ paced: true });
  const throttledOf = (...apis: Api[]) => apis.reduce((sum, api) => sum + fake.buckets[api].rejected, 0);
  const callsOf = (...apis: Api[]) =>
    apis.reduce((sum, api) => sum + fake.buckets[api].admitted + fake.buckets[api].rejected, 0);
  const measures: Measure[] = [];
  try {
    const seedNames = names("benchFake", Math.round(STEP_QUOTA.seed * SECONDS));
    const [seeded, seedSeconds] = await timed(() =>
      seedThings(
        { paced, rate: STEP_QUOTA.seed, concurrency: CONCURRENCY, deadline: forever, logger },
        { prefix: "benchFake", count: seedNames.length },
      ),
    );
    assertFinished("seed", seeded);
    measures.push({
      step: "seed",
      backend: "fake",
      rate: STEP_QUOTA.seed,
      items: seedNames.length,
      seconds: seedSeconds,
      calls: callsOf("DescribeThing", "CreateThing"),
      throttled: throttledOf("DescribeThing", "CreateThing"),
      ...doneOnce(seedNames, fake.done.CreateThing),
    });

    const listed = names("benchFake", Math.round(STEP_QUOTA.fill * SECONDS));
    fake.lists.set("bench-exclude.csv", listBytes(listed));
    const [filled, fillSeconds] = await timed(() =>
      fillExcludeGroup(
        {
          paced,
          iot,
          s3,
          bucket: "bench",
          rate: STEP_QUOTA.fill,
          concurrency: CONCURRENCY,
          deadline: forever,
          logger,
        },
        { excludeListFileName: "bench-exclude.csv", staticGroupName: "bench-exclude" },
      ),
    );
    assertFinished("fill", filled);
    measures.push({
      step: "fill",
      backend: "fake",
      rate: STEP_QUOTA.fill,
      items: listed.length,
      seconds: fillSeconds,
      calls: callsOf("AddThingToThingGroup"),
      throttled: throttledOf("AddThingToThingGroup"),
      ...doneOnce(listed, fake.done.AddThingToThingGroup),
    });

    // The fleet the fake's index returns: enough devices for SECONDS of shadow writes.
    const fleet = names("benchFake", Math.round(STEP_QUOTA["fast-track"] * SECONDS));
    for (const name of fleet) fake.registry.add(name);
    const [tracked, trackSeconds] = await timed(() =>
      fastTrack(
        {
          iot,
          shadows: async () => shadows,
          s3,
          bucket: "bench",
          searchRate: AWS_QUOTAS.SearchIndex,
          shadowRate: STEP_QUOTA["fast-track"],
          concurrency: CONCURRENCY,
          deadline: forever,
          logger,
        },
        {
          queryString: "thingName:benchFake*",
          updateKey: "updateKey",
          updateValue: 1,
          excludeGroupName: null,
          excludeListFileName: null,
        },
      ),
    );
    assertFinished("fast-track", tracked);
    measures.push({
      step: "fast-track",
      backend: "fake",
      rate: STEP_QUOTA["fast-track"],
      items: fleet.length,
      seconds: trackSeconds,
      calls: callsOf("UpdateThingShadow", "SearchIndex"),
      throttled: throttledOf("UpdateThingShadow", "SearchIndex"),
      ...doneOnce(fleet, fake.done.UpdateThingShadow),
    });
  } finally {
    fake.restore();
  }
  return measures;
}

// ---- (b) the emulator ----

async function againstEmulator(): Promise<Measure[]> {
  const iot = awsClient(IoTClient);
  const paced = awsClient(IoTClient, { paced: true });
  const s3 = awsClient(S3Client);
  const shadows = await iotDataClient({ paced: true });
  const measures: Measure[] = [];
  // The emulator loads each service's code on its first request: warm every path before timing it.
  await seedThings(
    { paced, rate: 1000, concurrency: 8, deadline: forever, logger },
    { prefix: "benchWarm", count: 8 },
  );
  await s3.send(new CreateBucketCommand({ Bucket: "bench-lists" }));
  await s3.send(
    new PutObjectCommand({ Bucket: "bench-lists", Key: "warm.csv", Body: listBytes(["benchWarm0"]) }),
  );
  await fillExcludeGroup(
    { paced, iot, s3, bucket: "bench-lists", rate: 1000, concurrency: 8, deadline: forever, logger },
    { excludeListFileName: "warm.csv", staticGroupName: "bench-warm" },
  );
  await fastTrack(
    {
      iot,
      shadows: async () => shadows,
      s3,
      bucket: "bench-lists",
      searchRate: 100,
      shadowRate: 1000,
      concurrency: 8,
      deadline: forever,
      logger,
    },
    {
      queryString: "thingName:benchWarm*",
      updateKey: "updateKey",
      updateValue: 0,
      excludeGroupName: null,
      excludeListFileName: null,
    },
  );

  const emulatorMeasure = (
    step: StepName,
    items: number,
    seconds: number,
    result: StepResult<unknown>,
    lost: number,
  ): Measure => ({
    step,
    backend: "emulator",
    rate: EMULATOR_RATES[step],
    items,
    seconds,
    calls: result.run.attempts,
    throttled: result.run.throttles,
    lost,
    duplicated: 0,
  });

  const fleet = names("benchEmu", Math.round(EMULATOR_RATES.seed * SECONDS));
  const [seeded, seedSeconds] = await timed(() =>
    seedThings(
      { paced, rate: EMULATOR_RATES.seed, concurrency: 8, deadline: forever, logger },
      { prefix: "benchEmu", count: fleet.length },
    ),
  );
  assertFinished("seed", seeded);
  const registered = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsCommand({ maxResults: 250, nextToken }));
    for (const thing of page.things ?? []) if (thing.thingName) registered.add(thing.thingName);
    nextToken = page.nextToken;
  } while (nextToken);
  measures.push(
    emulatorMeasure(
      "seed",
      fleet.length,
      seedSeconds,
      seeded,
      fleet.filter((n) => !registered.has(n)).length,
    ),
  );

  const listed = fleet.slice(0, Math.min(fleet.length, Math.round(EMULATOR_RATES.fill * SECONDS)));
  await s3.send(
    new PutObjectCommand({ Bucket: "bench-lists", Key: "bench-exclude.csv", Body: listBytes(listed) }),
  );
  const [filled, fillSeconds] = await timed(() =>
    fillExcludeGroup(
      {
        paced,
        iot,
        s3,
        bucket: "bench-lists",
        rate: EMULATOR_RATES.fill,
        concurrency: 8,
        deadline: forever,
        logger,
      },
      { excludeListFileName: "bench-exclude.csv", staticGroupName: "bench-exclude" },
    ),
  );
  assertFinished("fill", filled);
  const members = new Set(
    (await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: "bench-exclude" }))).things,
  );
  measures.push(
    emulatorMeasure("fill", listed.length, fillSeconds, filled, listed.filter((n) => !members.has(n)).length),
  );

  const [tracked, trackSeconds] = await timed(() =>
    fastTrack(
      {
        iot,
        shadows: async () => shadows,
        s3,
        bucket: "bench-lists",
        searchRate: AWS_QUOTAS.SearchIndex,
        shadowRate: EMULATOR_RATES["fast-track"],
        concurrency: 8,
        deadline: forever,
        logger,
      },
      {
        queryString: "thingName:benchEmu*",
        updateKey: "updateKey",
        updateValue: 7,
        excludeGroupName: null,
        excludeListFileName: null,
      },
    ),
  );
  assertFinished("fast-track", tracked);
  const written = new Set<string>();
  await pace(
    fleet,
    async (thingName) => {
      const shadow = await shadows.send(new GetThingShadowCommand({ thingName }));
      if (JSON.parse(new TextDecoder().decode(shadow.payload)).state?.reported?.updateKey === 7)
        written.add(thingName);
    },
    { rate: 1000, concurrency: 8 },
  );
  measures.push(
    emulatorMeasure(
      "fast-track",
      fleet.length,
      trackSeconds,
      tracked,
      fleet.filter((n) => !written.has(n)).length,
    ),
  );
  return measures;
}

// ---- report ----

const duration = (seconds: number) => {
  const s = Math.round(seconds);
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m${String(s % 60).padStart(2, "0")}s`;
};

function report(m: Measure) {
  const id = `jobs-targeting/${m.step}-${m.backend}`;
  const ratio = m.items / m.seconds / m.rate;
  const quota = STEP_QUOTA[m.step];
  console.log(`BENCH ${id} ratio=${ratio.toFixed(3)}`);
  console.log(
    `BENCH ${id} throttled=${m.throttled} throttled_pct=${((100 * m.throttled) / Math.max(1, m.calls)).toFixed(2)}`,
  );
  console.log(`BENCH ${id} lost=${m.lost} duplicated=${m.duplicated}`);
  console.log(
    `BENCH ${id} projection_1M=${duration(DEVICES / (quota * ratio))} floor_1M=${duration(DEVICES / quota)} (${DEVICES} ÷ ${quota}/s)`,
  );
}

const emulator = await startEmulator();
Object.assign(process.env, emulator.env, { POWERTOOLS_LOG_LEVEL: "SILENT" });
const measures: Measure[] = [];
try {
  for (const run of [againstFake, againstEmulator]) {
    for (const m of await run()) {
      measures.push(m);
      report(m);
    }
  }
} finally {
  await emulator.stop();
}

console.log(
  "\nstep        backend   rate/s  items  seconds  items/s  ratio  calls  throttled%  lost  1M devices  floor",
);
for (const m of measures) {
  const achieved = m.items / m.seconds;
  const quota = STEP_QUOTA[m.step];
  console.log(
    [
      m.step.padEnd(11),
      m.backend.padEnd(8),
      String(m.rate).padStart(7),
      String(m.items).padStart(6),
      m.seconds.toFixed(1).padStart(8),
      achieved.toFixed(1).padStart(8),
      (achieved / m.rate).toFixed(3).padStart(6),
      String(m.calls).padStart(6),
      ((100 * m.throttled) / Math.max(1, m.calls)).toFixed(2).padStart(11),
      String(m.lost).padStart(5),
      duration(DEVICES / (quota * (achieved / m.rate))).padStart(11),
      duration(DEVICES / quota).padStart(10),
    ].join(" "),
  );
}
console.log(
  `\nfake: a token bucket per API at AWS's default quota (burst max(2, 5 %)), 4–16 ms latency, concurrency ${CONCURRENCY}; ` +
    `emulator: moto on 127.0.0.1, concurrency 8. ${SECONDS} s of work per step. The 1M projection applies each ratio to ` +
    "AWS's default quota (seed 100/s, fill 100/s, fast-track 400/s); the floor is devices ÷ quota.",
);
