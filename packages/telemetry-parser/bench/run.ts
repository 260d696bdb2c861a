// `pnpm bench`: the transformation's throughput and memory for 1, 3 and 6 MB batches (the event Lambda receives,
// as JSON), each measured in its own child process, next to a bare decode → JSON.parse → stringify → encode loop
// over the same batch in the same process. ratio = bare time ÷ transformation time (1 = as fast as the floor);
// peak_rss_mb = the child's peak RSS above its RSS before the batch existed (event, response and garbage).
import { execFileSync } from "node:child_process";
import path from "node:path";

const SIZES = [1, 3, 6];
const rows = SIZES.map((size) => {
  const output = execFileSync("tsx", [path.join(import.meta.dirname, "measure.ts"), String(size)], {
    encoding: "utf8",
    env: process.env,
  });
  return JSON.parse(output.trim().split("\n").at(-1) as string) as Record<string, number>;
});
const fixed = (value: number | undefined, digits: number) => (value ?? 0).toFixed(digits);
for (const row of rows) {
  console.log(
    `BENCH telemetry-parser/transform batch_mb=${row.megabytes} mb_per_s=${fixed(row.mbPerS, 1)} ratio=${fixed(row.ratio, 2)} peak_rss_mb=${fixed(row.peakRssMb, 1)} records=${row.records} ok=${row.ok} dropped=${row.dropped} failed=${row.failed} over_limit=${row.overflowed} response_mb=${fixed((row.responseBytes ?? 0) / 1024 / 1024, 2)}`,
  );
}
console.log(
  "\n| batch | records | MB/s | ratio to bare loop | peak RSS above baseline | Ok / Dropped / Failed (over limit) | response |",
);
console.log(
  "| ----- | ------- | ---- | ------------------ | ----------------------- | ---------------------------------- | -------- |",
);
for (const row of rows) {
  console.log(
    `| ${row.megabytes} MB | ${row.records} | ${fixed(row.mbPerS, 1)} | ${fixed(row.ratio, 2)} | ${fixed(row.peakRssMb, 1)} MB (${fixed((row.peakRssMb ?? 0) / (row.megabytes ?? 1), 1)}× the batch) | ${row.ok} / ${row.dropped} / ${row.failed} (${row.overflowed}) | ${fixed((row.responseBytes ?? 0) / 1024 / 1024, 2)} MB |`,
  );
}
