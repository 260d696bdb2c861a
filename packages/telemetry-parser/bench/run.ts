// `pnpm bench`: the transformation's throughput and memory for 1, 3 and 6 MB batches — a batch is the invocation
// payload Lambda receives (the event JSON, base64 data included), and the 6 MB one is cut where its answer would
// pass the 6 MB response — measured in child processes of their own (bench/measure.ts), next to a bare decode →
// JSON.parse → stringify → encode loop over the same batch.
// - ratio = bare time ÷ transformation time (1 = as fast as the floor): medians of runs in one process, in
//   alternating blocks of five, each after a collection so that each loop pays for its own garbage; CPU time (on
//   a shared machine the wall clock counts other processes too: wall_ratio beside it). alternated_ratio: the same
//   from single runs alternated, where each loop pays part of the other's collections.
// - peak_rss_mb = the peak RSS of an invocation once the handler returned (served_peak_rss_mb: once the runtime
//   serialised its answer too) above the peak RSS of a no-op invocation with the same event: the event is input, handed over by the runtime, not the
//   transformation's memory. Medians of MEMORY_RUNS processes each, with V8's young generation held at 1 MB
//   semi-spaces: that allocation buffer is sized by the runtime's flags (Lambda: a twentieth of the function's
//   memory each), not by the batch, and any JavaScript allocating at this rate fills it. The same with V8's
//   defaults is printed too (default_heap_peak_rss_mb), and both for the bare loop.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeBatch } from "./batch";

const SIZES = [1, 3, 6];
const MEMORY_RUNS = 7;
const MB = 1024 * 1024;
const SMALL_YOUNG_GENERATION = ["--max-semi-space-size=1", "--min-semi-space-size=1"];

type Figures = Record<string, number>;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

// The batches are made here, so that making them costs the measured processes nothing.
const dir = mkdtempSync(path.join(tmpdir(), "telemetry-bench-"));
const rows = SIZES.map((size) => {
  const file = path.join(dir, `${size}mb.json`);
  const batch = makeBatch(size);
  writeFileSync(file, JSON.stringify(batch.event));
  const measure = (mode: string, flags: string[] = []) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          ...flags,
          "--expose-gc",
          "--import",
          "tsx",
          path.join(import.meta.dirname, "measure.ts"),
          file,
          mode,
        ],
        { encoding: "utf8", env: process.env },
      )
        .trim()
        .split("\n")
        .at(-1) as string,
    ) as Figures;
  /** Peak RSS above the no-op's, once the handler returned and once the answer was served: medians. */
  const peakAboveNoop = (flags: string[]) => {
    const runs = (mode: string) => Array.from({ length: MEMORY_RUNS }, () => measure(mode, flags));
    const noop = median(runs("noop").map((run) => run.served as number));
    const above = (mode: string) => {
      const figures = runs(mode);
      return {
        returned: median(figures.map((run) => run.returned as number)) - noop,
        served: median(figures.map((run) => run.served as number)) - noop,
      };
    };
    return { transform: above("transform"), bare: above("bare") };
  };
  return {
    size,
    limitedBy: batch.limitedBy,
    batchMb: batch.bytes / MB,
    counts: measure("transform"),
    speed: measure("speed"),
    small: peakAboveNoop(SMALL_YOUNG_GENERATION),
    defaults: peakAboveNoop([]),
  };
});
rmSync(dir, { recursive: true, force: true });

const fixed = (value: number | undefined, digits: number) => (value ?? 0).toFixed(digits);
for (const { batchMb, limitedBy, counts, speed, small, defaults } of rows) {
  console.log(
    [
      "BENCH telemetry-parser/transform",
      `batch_mb=${fixed(batchMb, 2)}`,
      `limited_by=${limitedBy}`,
      `mb_per_s=${fixed(speed.mbPerS, 1)}`,
      `ratio=${fixed(speed.ratio, 2)}`,
      `wall_mb_per_s=${fixed(speed.wallMbPerS, 1)}`,
      `wall_ratio=${fixed(speed.wallRatio, 2)}`,
      `alternated_ratio=${fixed(speed.alternatedRatio, 2)}`,
      `peak_rss_mb=${fixed(small.transform.returned, 1)}`,
      `peak_x_batch=${fixed(small.transform.returned / batchMb, 2)}`,
      `served_peak_rss_mb=${fixed(small.transform.served, 1)}`,
      `bare_peak_rss_mb=${fixed(small.bare.returned, 1)}`,
      `bare_served_peak_rss_mb=${fixed(small.bare.served, 1)}`,
      `default_heap_peak_rss_mb=${fixed(defaults.transform.returned, 1)}`,
      `default_heap_served_peak_rss_mb=${fixed(defaults.transform.served, 1)}`,
      `default_heap_bare_served_peak_rss_mb=${fixed(defaults.bare.served, 1)}`,
      `records=${counts.records}`,
      `ok=${counts.ok}`,
      `dropped=${counts.dropped}`,
      `failed=${counts.failed}`,
      `over_limit=${counts.overflowed}`,
      `response_mb=${fixed((counts.responseBytes as number) / MB, 2)}`,
    ].join(" "),
  );
}
console.log(
  "\n| batch (event JSON) | records | MB/s (CPU / wall) | ratio to the bare loop (CPU / wall) | peak RSS above a no-op, handler returned: transformation (× batch) / bare loop | answer served: transformation / bare loop | served, V8's default young generation: transformation / bare loop | Ok / Dropped / Failed (over the limit) | response |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const { size, batchMb, limitedBy, counts, speed, small, defaults } of rows) {
  const label = limitedBy === "answer" ? ` (${size} MB, cut where the answer reaches 6 MB)` : "";
  console.log(
    `| ${fixed(batchMb, 2)} MB${label} | ${counts.records} | ${fixed(speed.mbPerS, 1)} / ${fixed(speed.wallMbPerS, 1)} | ${fixed(speed.ratio, 2)} / ${fixed(speed.wallRatio, 2)} | ${fixed(small.transform.returned, 1)} MB (${fixed(small.transform.returned / batchMb, 2)}×) / ${fixed(small.bare.returned, 1)} MB | ${fixed(small.transform.served, 1)} MB / ${fixed(small.bare.served, 1)} MB | ${fixed(defaults.transform.served, 1)} MB / ${fixed(defaults.bare.served, 1)} MB | ${counts.ok} / ${counts.dropped} / ${counts.failed} (${counts.overflowed}) | ${fixed((counts.responseBytes as number) / MB, 2)} MB |`,
  );
}
