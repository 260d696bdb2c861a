// ./run demo — the seed-000 walkthrough on this machine, no AWS account: see walkthrough.ts.
import { parseArgs } from "node:util";
import { DEFAULT_WALKTHROUGH, runWalkthrough, type WalkthroughSummary } from "./walkthrough";

const { values } = parseArgs({
  options: { things: { type: "string" }, excluded: { type: "string" } },
});
const options = {
  ...DEFAULT_WALKTHROUGH,
  ...(values.things ? { things: Number(values.things) } : {}),
  ...(values.excluded ? { excluded: Number(values.excluded) } : {}),
};
if (
  !(
    Number.isInteger(options.things) &&
    options.things > 0 &&
    options.excluded >= 0 &&
    options.excluded < options.things
  )
) {
  console.error(
    `--things must be a positive integer and --excluded a smaller one (got ${options.things}, ${options.excluded})`,
  );
  process.exit(2);
}

const tty = process.stdout.isTTY;
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
let lastProgress = "";
const clearProgress = () => {
  if (tty && lastProgress) process.stdout.write("\r\x1b[K");
  lastProgress = "";
};

const started = performance.now();
let summary: WalkthroughSummary;
try {
  summary = await runWalkthrough(options, {
    step: (title) => {
      clearProgress();
      console.log(`\n${bold(`▶ ${title}`)}`);
    },
    info: (line) => {
      clearProgress();
      console.log(`  ${line}`);
    },
    limitation: (line) => {
      clearProgress();
      console.log(`  ${dim(`note: ${line}`)}`);
    },
    progress: (line) => {
      if (tty) {
        process.stdout.write(`\r\x1b[K  ${dim(line)}`);
        lastProgress = line;
      } else if (!line.startsWith("state ")) {
        console.log(`  ${dim(line)}`);
      }
    },
  });
} catch (error) {
  clearProgress();
  console.error(`\n✘ the demo failed: ${(error as Error).message}`);
  process.exit(1);
}

clearProgress();
console.log(`\n${bold("Summary")}`);
console.log(`  things seeded        ${summary.seeded}`);
console.log(`  excluded (list)      ${summary.excluded}`);
console.log(
  `  preview              ${summary.previewTargeted} targeted, ${summary.previewExcluded} excluded`,
);
console.log(`  fast-tracked         ${summary.fastTracked}`);
console.log(`  job status           ${summary.jobStatus}`);
console.log("\n  step               items   seconds   items/s");
for (const t of summary.timings) {
  console.log(
    `  ${t.step.padEnd(17)} ${String(t.items).padStart(6)} ${t.seconds.toFixed(1).padStart(9)} ${(t.items / t.seconds).toFixed(0).padStart(9)}`,
  );
}
const failed = summary.checks.filter((c) => !c.ok);
console.log(
  `\n  checks: ${summary.checks.length - failed.length} passed, ${failed.length} failed; ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
if (failed.length > 0) process.exitCode = 1;
