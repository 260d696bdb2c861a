// `pnpm bench`: the transformation's throughput and memory for 1, 3 and 6 MB batches (the event Lambda receives,
// as JSON), each measured in its own child process, next to a bare decode → JSON.parse → stringify → encode loop
// over the same batch in the same process. ratio = bare time ÷ transformation time (1 = as fast as the floor);
// peak_rss_mb = the child's peak RSS above its idle RSS: the event read and parsed, the transformation's working
// memory, its response and the response serialised.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeBatch } from "./batch";

const SIZES = [1, 3, 6];
// The batches are made here, so that making them costs the measured processes nothing.
const dir = mkdtempSync(path.join(tmpdir(), "telemetry-bench-"));
const rows = SIZES.map((size) => {
  const file = path.join(dir, `${size}mb.json`);
  writeFileSync(file, JSON.stringify(makeBatch(size).event));
  const measure = (mode: string) =>
    JSON.parse(
      execFileSync("tsx", [path.join(import.meta.dirname, "measure.ts"), file, String(size), mode], {
        encoding: "utf8",
        env: process.env,
      })
        .trim()
        .split("\n")
        .at(-1) as string,
    ) as Record<string, number>;
  const row: Record<string, number | undefined> = measure("transform");
  row.barePeakRssMb = measure("bare").peakRssMb;
  return row;
});
rmSync(dir, { recursive: true, force: true });
const fixed = (value: number | undefined, digits: number) => (value ?? 0).toFixed(digits);
for (const row of rows) {
  console.log(
    `BENCH telemetry-parser/transform batch_mb=${row.megabytes} mb_per_s=${fixed(row.mbPerS, 1)} ratio=${fixed(row.ratio, 2)} peak_rss_mb=${fixed(row.peakRssMb, 1)} bare_peak_rss_mb=${fixed(row.barePeakRssMb, 1)} records=${row.records} ok=${row.ok} dropped=${row.dropped} failed=${row.failed} over_limit=${row.overflowed} response_mb=${fixed((row.responseBytes ?? 0) / 1024 / 1024, 2)}`,
  );
}
console.log(
  "\n| batch | records | MB/s | ratio to bare loop | peak RSS above idle | bare loop's peak RSS | Ok / Dropped / Failed (over limit) | response |",
);
console.log(
  "| ----- | ------- | ---- | ------------------ | ------------------- | -------------------- | ---------------------------------- | -------- |",
);
for (const row of rows) {
  console.log(
    `| ${row.megabytes} MB | ${row.records} | ${fixed(row.mbPerS, 1)} | ${fixed(row.ratio, 2)} | ${fixed(row.peakRssMb, 1)} MB (${fixed((row.peakRssMb ?? 0) / (row.megabytes ?? 1), 1)}× the batch) | ${fixed(row.barePeakRssMb, 1)} MB | ${row.ok} / ${row.dropped} / ${row.failed} (${row.overflowed}) | ${fixed((row.responseBytes ?? 0) / 1024 / 1024, 2)} MB |`,
  );
}
