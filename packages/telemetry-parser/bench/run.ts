// `pnpm bench`: the transformation's throughput and memory for 1, 3 and 6 MB batches — a batch is the invocation
// payload Lambda receives (the event JSON, base64 data included), and the 6 MB one is cut where its answer would
// pass the 6 MB response — each measured in child processes of its own (bench/measure.ts), next to a bare decode →
// JSON.parse → stringify → encode loop over the same batch in the same process. ratio = bare time ÷
// transformation time (1 = as fast as the floor). peak_rss_mb = peak RSS above the RSS with the event in memory,
// while one transformation runs and its response is serialised, with V8's young generation held at 1 MB
// semi-spaces: that allocation buffer is sized by the runtime's flags (Lambda: a twentieth of the function's
// memory each), not by the batch, and any JavaScript allocating at this rate fills it; the peak with V8's
// defaults is printed beside it (default_heap_peak_rss_mb).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeBatch } from "./batch";

const SIZES = [1, 3, 6];
const MB = 1024 * 1024;
const SMALL_YOUNG_GENERATION = ["--max-semi-space-size=1", "--min-semi-space-size=1"];
// The batches are made here, so that making them costs the measured processes nothing.
const dir = mkdtempSync(path.join(tmpdir(), "telemetry-bench-"));
type Row = Record<string, number> & { limitedBy: "event" | "answer" };
const rows = SIZES.map((size): Row => {
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
    ) as Record<string, number>;
  const speed = measure("speed");
  return Object.assign(speed, {
    size,
    limitedBy: batch.limitedBy,
    defaultHeapPeakRssMb: speed.peakRssMb as number,
    peakRssMb: measure("transform", SMALL_YOUNG_GENERATION).peakRssMb as number,
    barePeakRssMb: measure("bare", SMALL_YOUNG_GENERATION).peakRssMb as number,
  });
});
rmSync(dir, { recursive: true, force: true });
const fixed = (value: number | undefined, digits: number) => (value ?? 0).toFixed(digits);
const batchMb = (row: (typeof rows)[number]) => (row.eventBytes ?? 0) / MB;
for (const row of rows) {
  console.log(
    `BENCH telemetry-parser/transform batch_mb=${fixed(batchMb(row), 2)} limited_by=${row.limitedBy} mb_per_s=${fixed(row.mbPerS, 1)} ratio=${fixed(row.ratio, 2)} peak_rss_mb=${fixed(row.peakRssMb, 1)} peak_x_batch=${fixed((row.peakRssMb ?? 0) / batchMb(row), 2)} bare_peak_rss_mb=${fixed(row.barePeakRssMb, 1)} default_heap_peak_rss_mb=${fixed(row.defaultHeapPeakRssMb, 1)} records=${row.records} ok=${row.ok} dropped=${row.dropped} failed=${row.failed} over_limit=${row.overflowed} response_mb=${fixed((row.responseBytes ?? 0) / MB, 2)}`,
  );
}
console.log(
  "\n| batch (event JSON) | records | MB/s | ratio to bare loop | peak RSS above the event | bare loop's peak RSS | peak RSS, V8 defaults | Ok / Dropped / Failed (over limit) | response |",
);
console.log(
  "| ------------------ | ------- | ---- | ------------------ | ------------------------ | -------------------- | --------------------- | ---------------------------------- | -------- |",
);
for (const row of rows) {
  const label = row.limitedBy === "answer" ? ` (${row.size} MB cut at the 6 MB response)` : "";
  console.log(
    `| ${fixed(batchMb(row), 2)} MB${label} | ${row.records} | ${fixed(row.mbPerS, 1)} | ${fixed(row.ratio, 2)} | ${fixed(row.peakRssMb, 1)} MB (${fixed((row.peakRssMb ?? 0) / batchMb(row), 2)}× the batch) | ${fixed(row.barePeakRssMb, 1)} MB | ${fixed(row.defaultHeapPeakRssMb, 1)} MB | ${row.ok} / ${row.dropped} / ${row.failed} (${row.overflowed}) | ${fixed((row.responseBytes ?? 0) / MB, 2)} MB |`,
  );
}
