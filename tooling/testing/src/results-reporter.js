// Writes each package's test counts to .test-results/summary.json, so the root test command can print one
// closing line for the whole repository (and turbo can replay it from cache).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export default class ResultsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = join(this.rootDir, ".test-results");
    mkdirSync(dir, { recursive: true });
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      suitesFailed: results.numFailedTestSuites,
      runtimeErrors: results.numRuntimeErrorTestSuites,
    };
    writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
