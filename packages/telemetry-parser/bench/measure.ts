// One batch, in a process of its own so that its peak memory is its own: the event is read from the file the
// parent wrote and parsed (as the Lambda runtime receives it), one transformation runs and its response is
// serialised; peak RSS comes from the kernel, above the idle process's RSS. Then the throughput of the
// transformation and of the bare loop over the same batch, alternated. Prints one JSON line.
import { readFileSync } from "node:fs";
import { transformer } from "../src/core/transform";
import { BENCH_CONFIG, bareLoop, makeBatch } from "./batch";

const [file = "", megabytes = 0, mode = "transform"] = [
  process.argv[2],
  Number(process.argv[3]),
  process.argv[4],
];

const transform = transformer(BENCH_CONFIG);
const mb = (bytes: number) => bytes / 1024 / 1024;

// A small batch first, so that code is compiled and loaded before the baseline.
transform(makeBatch(0.05).event.records);
const baseline = process.memoryUsage.rss();
// As the Lambda runtime does: the event arrives as JSON and is parsed; the handler's answer is serialised.
const { event, eventBytes } = (() => {
  const json = readFileSync(file, "utf8");
  return { event: JSON.parse(json) as ReturnType<typeof makeBatch>["event"], eventBytes: json.length };
})();
// `bare`: the same steps around the bare loop, for the floor's memory; nothing else is measured.
if (mode === "bare") {
  const floor = JSON.stringify({ records: bareLoop(event.records) }).length;
  console.log(JSON.stringify({ floor, peakRssMb: mb(process.resourceUsage().maxRSS * 1024 - baseline) }));
  process.exit(0);
}
const { records, summary } = transform(event.records);
const responseBytes = Buffer.byteLength(JSON.stringify({ records }));
const peak = process.resourceUsage().maxRSS * 1024;

const time = (work: () => unknown) => {
  const started = performance.now();
  work();
  return performance.now() - started;
};
const runs = { transform: [] as number[], bare: [] as number[] };
const until = performance.now() + Number(process.env.BENCH_SECONDS ?? 6) * 1000;
while (performance.now() < until || runs.transform.length < 5) {
  runs.transform.push(time(() => transform(event.records)));
  runs.bare.push(time(() => bareLoop(event.records)));
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const seconds = median(runs.transform) / 1000;
console.log(
  JSON.stringify({
    megabytes,
    eventBytes,
    responseBytes,
    records: summary.records,
    ok: summary.ok,
    dropped: summary.dropped,
    failed: summary.failed,
    overflowed: summary.overflowed,
    mbPerS: mb(eventBytes) / seconds,
    ratio: median(runs.bare) / median(runs.transform),
    runs: runs.transform.length,
    baselineRssMb: mb(baseline),
    peakRssMb: mb(peak - baseline),
  }),
);
