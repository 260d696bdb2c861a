// ./run demo [<scene> [options]] — every package's scene in turn (or one) on this machine, no AWS account.
import { allScenes } from "./domains";
import { sceneRuns, UsageError, usage } from "./scene-options";
import { playScenes, succeeded } from "./scenes";
import { printSummary, terminalReporter } from "./terminal";

const scenes = await allScenes();
const args = process.argv.slice(2);
if (args[0] === "--help" || args[0] === "-h") {
  console.log(
    `./run demo                       every scene in turn\n./run demo <scene> [options]     one scene\n`,
  );
  console.log(scenes.map(usage).join("\n\n"));
  process.exit(0);
}
let runs: ReturnType<typeof sceneRuns>;
try {
  runs = sceneRuns(scenes, args);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const started = performance.now();
const reporter = terminalReporter();
try {
  const reports = await playScenes(runs, reporter);
  reporter.clear();
  printSummary(reports, (performance.now() - started) / 1000);
  if (!reports.every(succeeded)) process.exitCode = 1;
} catch (error) {
  reporter.clear();
  console.error(`\n✘ the demo failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
