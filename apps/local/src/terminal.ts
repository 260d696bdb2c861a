// What `./run demo` prints: each scene's steps as they happen (a transient progress line on a terminal),
// then one summary of every scene's figures, timings and checks.
import { type Reporter, type SceneReport, succeeded } from "./scenes";

const tty = process.stdout.isTTY;
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);

export function terminalReporter(): Reporter & { clear(): void } {
  let progressShown = false;
  const clear = () => {
    if (progressShown) process.stdout.write("\r\x1b[K");
    progressShown = false;
  };
  const line = (text: string) => {
    clear();
    console.log(text);
  };
  return {
    clear,
    scene: (title) => line(`\n${bold(`━━ ${title}`)}`),
    step: (title) => line(`\n${bold(`▶ ${title}`)}`),
    info: (text) => line(`  ${text}`),
    limitation: (text) => line(`  ${dim(`note: ${text}`)}`),
    progress: (text) => {
      if (tty) {
        process.stdout.write(`\r\x1b[K  ${dim(text)}`);
        progressShown = true;
      } else if (!text.startsWith("state ")) {
        console.log(`  ${dim(text)}`);
      }
    },
    check: ({ name, ok, detail }) => line(`  ${ok ? "✔" : "✘"} ${name}: ${detail}`),
  };
}

export function printSummary(reports: SceneReport[], seconds: number): void {
  console.log(`\n${bold("Summary")}`);
  for (const report of reports) {
    const failed = report.checks.filter((check) => !check.ok).length;
    console.log(
      `\n  ${succeeded(report) ? "✔" : "✘"} ${bold(`${report.scene}: ${report.title}`)} (${report.seconds.toFixed(1)} s)`,
    );
    for (const { label, value } of report.figures) console.log(`    ${label.padEnd(24)} ${value}`);
    if (report.timings.length > 0) {
      console.log(
        `\n    ${"step".padEnd(17)} ${"items".padStart(6)} ${"seconds".padStart(9)} ${"items/s".padStart(9)}`,
      );
      for (const { label, items, seconds: s } of report.timings) {
        console.log(
          `    ${label.padEnd(17)} ${String(items).padStart(6)} ${s.toFixed(1).padStart(9)} ${(items / s).toFixed(0).padStart(9)}`,
        );
      }
    }
    console.log(`\n    checks: ${report.checks.length - failed} passed, ${failed} failed`);
    if (report.error) console.log(`    stopped: ${report.error}`);
  }
  const checks = reports.flatMap((report) => report.checks);
  const failedChecks = checks.filter((check) => !check.ok).length;
  const failedScenes = reports.filter((report) => !succeeded(report)).length;
  console.log(
    `\n  ${reports.length} scene(s), ${failedScenes} failed; checks: ${checks.length - failedChecks} passed, ${failedChecks} failed; ${seconds.toFixed(1)} s in all`,
  );
}
