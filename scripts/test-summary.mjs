// Prints one closing line for the whole repository's tests from each package's .test-results/summary.json
// (written by the jest reporter in tooling/testing, replayed by turbo from its cache on a hit).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const roots = ["packages", "tooling", "apps"]
  .flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)))
  .concat("infra");
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const dir of roots) {
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, "utf8")).scripts?.test) continue;
  const file = join(dir, ".test-results", "summary.json");
  if (!existsSync(file)) {
    missing.push(dir);
    continue;
  }
  const summary = JSON.parse(readFileSync(file, "utf8"));
  passed += summary.passed;
  failed += summary.failed + summary.runtimeErrors;
  skipped += summary.skipped;
  console.log(
    `  ${dir.padEnd(32)} ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`,
  );
}
if (missing.length > 0) {
  console.error(`no test results from: ${missing.join(", ")}`);
  process.exitCode = 1;
}
if (failed > 0 || passed === 0) process.exitCode = 1;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
