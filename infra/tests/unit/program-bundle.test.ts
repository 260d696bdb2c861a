// The Pulumi CLI runs dist/index.mjs (Pulumi.yaml `main`; bootstrap/dist/index.mjs for bootstrap), not the
// sources the other tests run: each bundle must register exactly the same resources, with real Node.js module
// semantics (a separate process).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { BOOTSTRAP_PROGRAM, bundleProgram, INFRA_DIR } from "../../tools/program-bundle";
import { stackNames } from "../../tools/stack-config";

const run = promisify(execFile);
const synth = (...args: string[]) =>
  run(path.join(INFRA_DIR, "node_modules/.bin/tsx"), ["scripts/synth.ts", ...args], {
    cwd: INFRA_DIR,
    maxBuffer: 64 << 20,
  });

let workDir: string;
beforeAll(() => {
  // Inside infra/, so that the bundle resolves @pulumi/* from infra/node_modules like dist/index.mjs does.
  mkdirSync(path.join(INFRA_DIR, "node_modules/.cache"), { recursive: true });
  workDir = mkdtempSync(path.join(INFRA_DIR, "node_modules/.cache/program-"));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("the bundled program", () => {
  it("registers the same resources and outputs as the sources", async () => {
    const bundle = path.join(workDir, "index.mjs");
    await bundleProgram(bundle);
    const [fromSources, fromBundle] = await Promise.all([synth("staging"), synth("staging", bundle)]);
    const inventory = JSON.parse(fromBundle.stdout);
    expect(inventory.resources.length).toBeGreaterThan(50);
    expect(inventory).toEqual(JSON.parse(fromSources.stdout));
  }, 120_000);

  it("of bootstrap registers the same resources and outputs as its sources", async () => {
    const bundle = path.join(workDir, "bootstrap.mjs");
    await bundleProgram(bundle, BOOTSTRAP_PROGRAM.entry);
    const [fromSources, fromBundle] = await Promise.all([
      synth("bootstrap", "dev"),
      synth("bootstrap", "dev", bundle),
    ]);
    const inventory = JSON.parse(fromBundle.stdout);
    expect(inventory.resources.length).toBeGreaterThan(10);
    expect(inventory).toEqual(JSON.parse(fromSources.stdout));
  }, 120_000);
});

describe("pnpm synth", () => {
  it("names the known stacks when given an unknown one", async () => {
    await expect(synth("qa")).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown stack "qa"'),
    });
  }, 60_000);

  it("bootstrap without a stack prints the inventory of every account's stack", async () => {
    const inventories = JSON.parse((await synth("bootstrap")).stdout) as Array<{
      project: string;
      stack: string;
    }>;
    expect(inventories.map(({ project, stack }) => `${project}/${stack}`)).toEqual(
      stackNames(BOOTSTRAP_PROGRAM.dir).map((stack) => `fleet-bootstrap/${stack}`),
    );
  }, 120_000);
});
