// BENCH ota-deploy/metrics: job events turned into CloudWatch metrics per second through the real job-metrics
// handler, as Lambda calls it from the rules' queue (SQS batches of 1000 records, Middy, Powertools logger and
// metrics, EMF written to stdout), against bare EMF serialisation of the same events (one EMF line an event, built
// by hand and written: what the seed's Lambda printed) in the same run: `ratio` is the handler's rate over the
// bare one. Both write to the same discarding stdout; each round measures the three paths back to back and its own
// ratios, and the medians over the rounds are printed (a busy moment of the shared machine weighs on one round).
// Secondary: `ratio_vs_parse_and_emf`, against the bare path starting from the same record bodies (JSON.parse
// and the line), since a Lambda runtime parses what it is handed in both cases.
import { localContext } from "@fleet/shared-aws/testing";
import { JOB_EXECUTION_NAMESPACE } from "../src/metric-names";

// As infra sets it: the handler's stack-wide sums are published too.
process.env.POWERTOOLS_METRICS_NAMESPACE ??= "Fleet/bench";
const { handler } = await import("../src/handlers/job-metrics");

const BATCH = 1000;
const BATCHES = 20;
const ROUNDS = 15;
const now = Math.floor(Date.now() / 1000);

/** A rollout's mix: mostly progress and successes, some failures; terminal ones with the seed's status details. */
const MIX = [
  "QUEUED",
  "IN_PROGRESS",
  "IN_PROGRESS",
  "SUCCEEDED",
  "SUCCEEDED",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "REJECTED",
];
const event = (i: number) => {
  const status = MIX[i % MIX.length] as string;
  const terminal = !["QUEUED", "IN_PROGRESS"].includes(status);
  return {
    eventType: "JOB_EXECUTION",
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    timestamp: now - Math.floor(i / 50), // a batch spans a few minutes
    operation: status.toLowerCase(),
    jobId: `fleet-bench-fw${i % 4}-r1`,
    thingArn: `arn:aws:iot:us-east-1:123456789012:thing/device-${i}`,
    status,
    ...(terminal && i % 10 !== 0
      ? { statusDetails: { downloadTime: String(30 + (i % 240)), retryCount: String(i % 3) } }
      : {}),
  };
};
/** Every 500th record is garbled: the handler counts and logs it, the bare path has nothing to write for it. */
const bodies = Array.from({ length: BATCH * BATCHES }, (_, i) =>
  i % 500 === 499 ? "{not json" : JSON.stringify(event(i)),
);
const batches = Array.from({ length: BATCHES }, (_, b) => ({
  Records: bodies.slice(b * BATCH, (b + 1) * BATCH).map((body, i) => ({
    messageId: `m-${b}-${i}`,
    receiptHandle: `r-${b}-${i}`,
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(now * 1000) },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:bench-job-events",
    awsRegion: "us-east-1",
  })),
}));
// The seed's Lambda was handed each event parsed; so is the bare path.
const events = bodies.flatMap((body) => {
  try {
    return [JSON.parse(body) as ReturnType<typeof event>];
  } catch {
    return [];
  }
});

/** One EMF line an event without Powertools: what EMF asks for, nothing more. */
function bareEmf(e: (typeof events)[number]): void {
  const details = e.statusDetails;
  const line: Record<string, unknown> = {
    _aws: {
      Timestamp: e.timestamp * 1000,
      CloudWatchMetrics: [
        {
          Namespace: JOB_EXECUTION_NAMESPACE,
          Dimensions: [["jobId"]],
          Metrics: [
            { Name: `${e.status}Count`, Unit: "Count" },
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
    jobId: e.jobId,
    [`${e.status}Count`]: 1,
    ...(details
      ? { downloadTime: Number(details.downloadTime), retryCount: Number(details.retryCount) }
      : {}),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function parseAndEmf(body: string): void {
  try {
    bareEmf(JSON.parse(body) as (typeof events)[number]);
  } catch {
    // a garbled body has no line: the handler only counts it
  }
}

const context = localContext({ functionName: "job-metrics", timeoutMs: 30_000 });
let lines = 0;

async function throughHandler(): Promise<void> {
  for (const batch of batches) await handler(batch as never, context);
}

async function rate(work: () => Promise<void> | void): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return bodies.length / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Every line goes nowhere while measuring (counted); the figures are printed after. */
async function discardingStdout<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    lines += chunk.split("\n").length - 1;
    return true;
  }) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const figures = await discardingStdout(async () => {
  await throughHandler(); // warm-up: JIT, Powertools' first-use paths
  events.forEach(bareEmf);
  const handled: number[] = [];
  const bare: number[] = [];
  const ratio: number[] = [];
  const parsedRatio: number[] = [];
  let handlerLines = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const bareRate = await rate(() => events.forEach(bareEmf));
    const parsedRate = await rate(() => bodies.forEach(parseAndEmf));
    lines = 0;
    const handlerRate = await rate(throughHandler);
    handlerLines = lines;
    handled.push(handlerRate);
    bare.push(bareRate);
    ratio.push(handlerRate / bareRate);
    parsedRatio.push(handlerRate / parsedRate);
  }
  return {
    handled: median(handled),
    bare: median(bare),
    ratio: median(ratio),
    parsedRatio: median(parsedRatio),
    handlerLines,
  };
});

console.log(
  `BENCH ota-deploy/metrics events_per_s=${figures.handled.toFixed(0)} ratio=${figures.ratio.toFixed(3)} ratio_vs_parse_and_emf=${figures.parsedRatio.toFixed(3)} bare_emf_events_per_s=${figures.bare.toFixed(0)} events=${bodies.length} batch=${BATCH} lines_per_batch=${(figures.handlerLines / BATCHES).toFixed(1)}`,
);
