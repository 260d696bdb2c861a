// Pacing benchmark: the same work (CreateThing for N names) against a fake service that throttles above its
// quota, done (1) by pace() with a one-attempt client and (2) by a plain SDK v3 client with adaptive retry and
// a promise pool — what a user would write instead. Prints BENCH lines, then a table.
import { CreateThingCommand, IoTClient } from "@aws-sdk/client-iot";
import { pace } from "../src";
import { startFakeIot } from "./fake-iot";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const SCENARIOS: Array<{ rate: number; concurrency: number }> = [
  { rate: 10, concurrency: 4 },
  { rate: 40, concurrency: 8 },
  { rate: 40, concurrency: 32 },
  { rate: 100, concurrency: 16 },
];

interface Outcome {
  method: string;
  rate: number;
  concurrency: number;
  items: number;
  succeeded: number;
  calls: number;
  throttled: number;
  lost: number;
  duplicated: number;
  seconds: number;
}

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
});

async function runPaced(rate: number, concurrency: number, names: string[]): Promise<Outcome> {
  const fake = await startFakeIot(rate);
  const client = new IoTClient({ ...clientConfig(fake.endpoint), maxAttempts: 1 });
  const started = performance.now();
  const result = await pace(names, (thingName) => client.send(new CreateThingCommand({ thingName })), {
    rate,
    concurrency,
    maxAttempts: 20,
  });
  const seconds = (performance.now() - started) / 1000;
  client.destroy();
  await fake.close();
  return summarise("pace", rate, concurrency, names, fake, seconds, result.succeeded);
}

async function runAdaptive(rate: number, concurrency: number, names: string[]): Promise<Outcome> {
  const fake = await startFakeIot(rate);
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
          // counted as lost below
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  client.destroy();
  await fake.close();
  return summarise("adaptive", rate, concurrency, names, fake, seconds, succeeded);
}

function summarise(
  method: string,
  rate: number,
  concurrency: number,
  names: string[],
  fake: Awaited<ReturnType<typeof startFakeIot>>,
  seconds: number,
  succeeded: number,
): Outcome {
  const counts = [...fake.created.values()];
  return {
    method,
    rate,
    concurrency,
    items: names.length,
    succeeded,
    calls: fake.bucket.admitted + fake.bucket.rejected,
    throttled: fake.bucket.rejected,
    lost: names.length - fake.created.size,
    duplicated: counts.filter((n) => n > 1).length,
    seconds,
  };
}

const outcomes: Outcome[] = [];
for (const { rate, concurrency } of SCENARIOS) {
  const names = Array.from(
    { length: Math.round(rate * SECONDS) },
    (_, i) => `bench-${rate}-${concurrency}-${i}`,
  );
  for (const run of [runPaced, runAdaptive]) {
    const o = await run(rate, concurrency, names);
    outcomes.push(o);
    const id = `shared-aws/${o.method}-r${rate}-c${concurrency}`;
    const ratio = o.succeeded / o.seconds / rate;
    console.log(`BENCH ${id} ratio=${ratio.toFixed(3)}`);
    console.log(`BENCH ${id} throttled_pct=${((100 * o.throttled) / o.calls).toFixed(2)}`);
    console.log(`BENCH ${id} lost=${o.lost}`);
  }
}

console.log(
  "\nmethod    rate  conc  items  calls  throttled  lost  dup  seconds  achieved/s  ratio  throttled%",
);
for (const o of outcomes) {
  const achieved = o.succeeded / o.seconds;
  console.log(
    [
      o.method.padEnd(8),
      String(o.rate).padStart(5),
      String(o.concurrency).padStart(5),
      String(o.items).padStart(6),
      String(o.calls).padStart(6),
      String(o.throttled).padStart(10),
      String(o.lost).padStart(5),
      String(o.duplicated).padStart(4),
      o.seconds.toFixed(2).padStart(8),
      achieved.toFixed(2).padStart(11),
      (achieved / o.rate).toFixed(3).padStart(6),
      ((100 * o.throttled) / o.calls).toFixed(2).padStart(11),
    ].join(" "),
  );
}
console.log(
  `\nfake service: token bucket at the target rate, burst max(2, 5 % of rate), 3–12 ms latency; ${SECONDS} s of work each.`,
);
