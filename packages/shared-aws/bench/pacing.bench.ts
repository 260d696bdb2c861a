// Pacing benchmark: CreateThing calls against a fake IoT endpoint that throttles above its quota, done (1) by
// pace() with a one-attempt client and (2) by a plain SDK v3 client with adaptive retry and a promise pool of the
// same concurrency — what a user would write instead. Three parts:
//   known quota   pace() configured at the quota (8 s of work each);
//   wrong rate    pace() configured at 2.5× and 10× a 40/s quota, 1,000 calls, against the goals
//                 (≤ 1 % / ≤ 3 % throttled, achieved ≥ 0.95 of the quota);
//   continuation  a 10× run cut in two, the second half starting from the rate the first learned.
// Every figure is measured from the fake's own counts and the clock. Prints BENCH lines, then a table.
import { CreateThingCommand, IoTClient } from "@aws-sdk/client-iot";
import { pace } from "../src";
import { type FakeIot, startFakeIot } from "./fake-iot";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const KNOWN: Array<{ quota: number; concurrency: number }> = [
  { quota: 10, concurrency: 4 },
  { quota: 40, concurrency: 8 },
  { quota: 40, concurrency: 32 },
  { quota: 100, concurrency: 16 },
];
const WRONG = { quota: 40, concurrency: 32, calls: 1_000 };
const GOALS = [
  { factor: 2.5, maxThrottledPct: 1 },
  { factor: 10, maxThrottledPct: 3 },
];
const MIN_RATIO = 0.95;

interface Outcome {
  id: string;
  method: "pace" | "adaptive";
  quota: number;
  configured: number | undefined;
  concurrency: number;
  items: number;
  succeeded: number;
  calls: number;
  throttled: number;
  lost: number;
  duplicated: number;
  seconds: number;
  learnedRate?: number | undefined;
}

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
});

const namesFor = (tag: string, count: number) => Array.from({ length: count }, (_, i) => `bench-${tag}-${i}`);

async function runPaced(
  fake: FakeIot,
  names: string[],
  options: { configured: number; concurrency: number; learnedRate?: number | undefined },
) {
  const client = new IoTClient({ ...clientConfig(fake.endpoint), maxAttempts: 1 });
  const started = performance.now();
  const result = await pace(
    names,
    (thingName, abortSignal) => client.send(new CreateThingCommand({ thingName }), { abortSignal }),
    {
      rate: options.configured,
      concurrency: options.concurrency,
      maxAttempts: 20,
      learnedRate: options.learnedRate,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  client.destroy();
  return { succeeded: result.succeeded, seconds, learnedRate: result.learnedRate };
}

async function runAdaptive(fake: FakeIot, names: string[], concurrency: number) {
  const client = new IoTClient({ ...clientConfig(fake.endpoint), retryMode: "adaptive", maxAttempts: 20 });
  const queue = [...names];
  let succeeded = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        try {
          await client.send(new CreateThingCommand({ thingName: name }));
          succeeded += 1;
        } catch {
          // counted as lost below, from the fake's own record
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  client.destroy();
  return { succeeded, seconds };
}

function outcome(
  id: string,
  method: Outcome["method"],
  setup: { quota: number; configured: number | undefined; concurrency: number },
  names: string[],
  fake: FakeIot,
  run: { succeeded: number; seconds: number; learnedRate?: number | undefined },
): Outcome {
  const created = names.map((name) => fake.created.get(name) ?? 0);
  return {
    id,
    method,
    ...setup,
    items: names.length,
    succeeded: run.succeeded,
    calls: fake.bucket.admitted + fake.bucket.rejected,
    throttled: fake.bucket.rejected,
    lost: created.filter((n) => n === 0).length,
    duplicated: created.filter((n) => n > 1).length,
    seconds: run.seconds,
    learnedRate: run.learnedRate,
  };
}

const ratioOf = (o: Outcome) => o.succeeded / o.seconds / o.quota;
const throttledPctOf = (o: Outcome) => (100 * o.throttled) / Math.max(o.calls, 1);

function report(o: Outcome): void {
  console.log(`BENCH shared-aws/${o.id} ratio=${ratioOf(o).toFixed(3)}`);
  console.log(`BENCH shared-aws/${o.id} throttled_pct=${throttledPctOf(o).toFixed(2)}`);
  console.log(`BENCH shared-aws/${o.id} lost=${o.lost}`);
}

const outcomes: Outcome[] = [];
async function measure(
  id: string,
  method: Outcome["method"],
  setup: { quota: number; configured: number | undefined; concurrency: number },
  names: string[],
  learnedRate?: number,
): Promise<Outcome> {
  const fake = await startFakeIot(setup.quota);
  try {
    const run =
      method === "pace"
        ? await runPaced(fake, names, {
            configured: setup.configured ?? setup.quota,
            concurrency: setup.concurrency,
            learnedRate,
          })
        : await runAdaptive(fake, names, setup.concurrency);
    const o = outcome(id, method, setup, names, fake, run);
    outcomes.push(o);
    report(o);
    return o;
  } finally {
    await fake.close();
  }
}

// Known quota: pace() configured at the quota, next to adaptive retry.
for (const { quota, concurrency } of KNOWN) {
  const names = namesFor(`known-${quota}-${concurrency}`, Math.round(quota * SECONDS));
  const setup = { quota, concurrency };
  await measure(`pace-r${quota}-c${concurrency}`, "pace", { ...setup, configured: quota }, names);
  await measure(`adaptive-r${quota}-c${concurrency}`, "adaptive", { ...setup, configured: undefined }, names);
}

// Wrong rate: configured above the real quota, against the goals.
const { quota, concurrency, calls } = WRONG;
const verdicts: string[] = [];
for (const { factor, maxThrottledPct } of GOALS) {
  const configured = quota * factor;
  const o = await measure(
    `pace-quota${quota}-configured${configured}`,
    "pace",
    { quota, configured, concurrency },
    namesFor(`wrong-${factor}`, calls),
  );
  const ok = throttledPctOf(o) <= maxThrottledPct && ratioOf(o) >= MIN_RATIO && o.lost === 0;
  console.log(`BENCH shared-aws/pace-quota${quota}-configured${configured} goal_met=${ok ? 1 : 0}`);
  verdicts.push(
    `configured ${factor}× the quota: ${throttledPctOf(o).toFixed(2)} % throttled (goal ≤ ${maxThrottledPct} %), ratio ${ratioOf(o).toFixed(3)} (goal ≥ ${MIN_RATIO}): ${ok ? "met" : "MISSED"}`,
  );
}
await measure(
  `adaptive-quota${quota}`,
  "adaptive",
  { quota, configured: undefined, concurrency },
  namesFor("wrong-adaptive", calls),
);

// Continuation: the second half of a 10× run starts from the rate the first half learned.
const half = calls / 2;
const first = await measure(
  `pace-quota${quota}-configured${quota * 10}-first-half`,
  "pace",
  { quota, configured: quota * 10, concurrency },
  namesFor("continued-1", half),
);
await measure(
  `pace-quota${quota}-configured${quota * 10}-continued`,
  "pace",
  { quota, configured: quota * 10, concurrency },
  namesFor("continued-2", half),
  first.learnedRate,
);
console.log(
  `BENCH shared-aws/pace-quota${quota}-configured${quota * 10}-first-half learned_rate=${first.learnedRate?.toFixed(2) ?? "none"}`,
);

console.log(
  "\nmethod    quota  configured  conc  items  calls  throttled  lost  dup  seconds  achieved/s  ratio  throttled%",
);
for (const o of outcomes) {
  const achieved = o.succeeded / o.seconds;
  console.log(
    [
      o.method.padEnd(8),
      String(o.quota).padStart(6),
      String(o.configured ?? "-").padStart(11),
      String(o.concurrency).padStart(5),
      String(o.items).padStart(6),
      String(o.calls).padStart(6),
      String(o.throttled).padStart(10),
      String(o.lost).padStart(5),
      String(o.duplicated).padStart(4),
      o.seconds.toFixed(2).padStart(8),
      achieved.toFixed(2).padStart(11),
      (achieved / o.quota).toFixed(3).padStart(6),
      throttledPctOf(o).toFixed(2).padStart(11),
    ].join(" "),
  );
}
console.log(`\n${verdicts.join("\n")}`);
console.log(
  `fake service: token bucket at the quota, burst max(2, 5 % of it), 3–12 ms latency; known-quota cases ${SECONDS} s of work each. ratio = successful calls per second ÷ the real quota.`,
);
