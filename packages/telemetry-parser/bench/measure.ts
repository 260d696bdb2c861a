// One batch, in a process of its own (node --expose-gc) so that its peak memory is its own. The event is read
// from the file the parent wrote and parsed, as the Lambda runtime hands it over: that is the input, so the
// baseline is taken with it in memory (its JSON text collected, then the kernel's peak-RSS mark reset, Linux's
// clear_refs). Peak memory is the highest RSS above that baseline while one transformation (or the bare loop,
// `bare`) runs and its response is serialised as the runtime does. With `speed`, the throughput of the
// transformation and of the bare loop over the same batch follows, alternated. Prints one JSON line.
import { readFileSync, writeFileSync } from "node:fs";
import { transformer } from "../src/core/transform";
import { BENCH_CONFIG, bareLoop, makeBatch } from "./batch";

const [file = "", mode = "speed"] = [process.argv[2], process.argv[3]];
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error("run with node --expose-gc: the baseline is taken after a collection");

const transform = transformer(BENCH_CONFIG);
const mb = (bytes: number) => bytes / 1024 / 1024;
const statusBytes = (field: string) =>
  Number(readFileSync("/proc/self/status", "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1]) * 1024;

// A small batch first, so that code is compiled and loaded before the baseline.
transform(makeBatch(0.05).event.records);
const { event, eventBytes } = (() => {
  const json = readFileSync(file, "utf8");
  return { event: JSON.parse(json) as ReturnType<typeof makeBatch>["event"], eventBytes: json.length };
})();
collect();
writeFileSync("/proc/self/clear_refs", "5");
const baseline = statusBytes("VmRSS");
if (mode === "bare") {
  const floor = JSON.stringify({ records: bareLoop(event.records) }).length;
  console.log(JSON.stringify({ floor, peakRssMb: mb(statusBytes("VmHWM") - baseline) }));
  process.exit(0);
}
const { records, summary } = transform(event.records);
const responseBytes = Buffer.byteLength(JSON.stringify({ records }));
const peakRssMb = mb(statusBytes("VmHWM") - baseline);
const counts = {
  eventBytes,
  responseBytes,
  records: summary.records,
  ok: summary.ok,
  dropped: summary.dropped,
  failed: summary.failed,
  overflowed: summary.overflowed,
  peakRssMb,
};
if (mode === "transform") {
  console.log(JSON.stringify(counts));
  process.exit(0);
}

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
console.log(
  JSON.stringify({
    ...counts,
    mbPerS: mb(eventBytes) / (median(runs.transform) / 1000),
    ratio: median(runs.bare) / median(runs.transform),
    runs: runs.transform.length,
  }),
);
