// BENCH ota-deploy/metrics: job-execution events turned into CloudWatch metrics per second through the real
// job-metrics handler (Middy, Powertools logger and metrics, EMF lines written to stdout) against bare EMF
// serialisation of the same events (the same lines built by hand and written) in the same run: `ratio` is the
// handler's rate over the bare one. Both write to the same discarding stdout. Two deliveries are measured: one
// event an invocation (what an IoT rule's Lambda action does: the headline figures) and batches of 100.
import { localContext } from "@fleet/shared-aws/testing";
import { EXECUTION_STATUSES, JOB_EXECUTION_NAMESPACE } from "../src/metric-names";

// As infra sets it: the handler's stack-wide sums are published too.
process.env.POWERTOOLS_METRICS_NAMESPACE ??= "Fleet/bench";
const { handler } = await import("../src/handlers/job-metrics");

const EVENTS = 20_000;
const ROUNDS = 5;
const now = Math.floor(Date.now() / 1000);

/** AWS's documented job-execution event shape; terminal ones with the seed's status details, some without. */
const events = Array.from({ length: EVENTS }, (_, i) => {
  const status = EXECUTION_STATUSES[i % EXECUTION_STATUSES.length] as string;
  return {
    eventType: "JOB_EXECUTION",
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    timestamp: now - (i % 600),
    operation: status.toLowerCase(),
    jobId: `fleet-bench-fw${i % 7}-r1`,
    thingArn: `arn:aws:iot:us-east-1:123456789012:thing/device-${i}`,
    status,
    ...(i % 3 === 0
      ? {}
      : { statusDetails: { downloadTime: String(30 + (i % 240)), retryCount: String(i % 3) } }),
  };
});

/** The same lines without Powertools: what EMF asks for, nothing more. */
function bareEmf(event: (typeof events)[number]): void {
  const details = event.statusDetails;
  const line: Record<string, unknown> = {
    _aws: {
      Timestamp: event.timestamp * 1000,
      CloudWatchMetrics: [
        {
          Namespace: JOB_EXECUTION_NAMESPACE,
          Dimensions: [["jobId"]],
          Metrics: [
            { Name: `${event.status}Count`, Unit: "Count" },
            ...(details
              ? [
                  { Name: "downloadTime", Unit: "Seconds" },
                  { Name: "retryCount", Unit: "Count" },
                ]
              : []),
          ],
        },
      ],
    },
    jobId: event.jobId,
    [`${event.status}Count`]: 1,
    ...(details
      ? { downloadTime: Number(details.downloadTime), retryCount: Number(details.retryCount) }
      : {}),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const context = localContext({ functionName: "job-metrics", timeoutMs: 30_000 });

async function throughHandler(batch: number): Promise<void> {
  for (let i = 0; i < events.length; i += batch)
    await handler((batch === 1 ? events[i] : events.slice(i, i + batch)) as never, context);
}

async function rate(work: () => Promise<void> | void): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return EVENTS / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Every line goes nowhere while measuring; the figures are printed after. */
async function discardingStdout<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const figures = await discardingStdout(async () => {
  await throughHandler(1); // warm-up: JIT, Powertools' first-use paths
  for (const event of events) bareEmf(event);
  const single: number[] = [];
  const batched: number[] = [];
  const bare: number[] = [];
  // Interleaved, so a busy moment of the machine weighs on each path alike.
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await rate(() => events.forEach(bareEmf)));
    single.push(await rate(() => throughHandler(1)));
    batched.push(await rate(() => throughHandler(100)));
  }
  return { single: median(single), batched: median(batched), bare: median(bare) };
});

console.log(
  `BENCH ota-deploy/metrics events_per_s=${figures.single.toFixed(0)} ratio=${(figures.single / figures.bare).toFixed(3)} batch100_events_per_s=${figures.batched.toFixed(0)} batch100_ratio=${(figures.batched / figures.bare).toFixed(3)} bare_emf_events_per_s=${figures.bare.toFixed(0)} events=${EVENTS}`,
);
