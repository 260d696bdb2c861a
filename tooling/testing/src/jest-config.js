// One jest configuration for every package: native ESM (Middy is ESM-only) with @swc/jest stripping types,
// and two projects, `unit` and `integration`; the latter runs against the local AWS emulator.
import { fileURLToPath } from "node:url";

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const base = {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      fileURLToPath(import.meta.resolve("@swc/jest")),
      {
        jsc: {
          parser: { syntax: "typescript" },
          target: "es2023",
          experimental: { keepImportAttributes: true },
        },
        module: { type: "es6" },
      },
    ],
  },
  setupFiles: [here("./quiet-logs.js")],
};

/** @param {{ rootDir: string, integrationTimeoutMs?: number }} options */
export function jestConfig({ rootDir, integrationTimeoutMs = 60_000 }) {
  return {
    rootDir,
    reporters: ["default", here("./results-reporter.js")],
    // A global option in jest (ignored inside a project): integration tests round-trip to the emulator.
    testTimeout: integrationTimeoutMs,
    projects: [
      { ...base, rootDir, displayName: "unit", testMatch: ["<rootDir>/tests/unit/**/*.test.ts"] },
      {
        ...base,
        rootDir,
        displayName: "integration",
        testMatch: ["<rootDir>/tests/integration/**/*.test.ts"],
        globalSetup: here("./global-setup.js"),
        globalTeardown: here("./global-teardown.js"),
      },
    ],
  };
}
