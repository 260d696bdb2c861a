// `./run build` and `./run synth` never need the local AWS emulator, so they never set it up: with a python3 that
// fails whenever it is called, and no AWS_ENDPOINT_URL, synth still prints its inventory.
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { INFRA_DIR } from "../../tools/program-bundle";

const root = path.resolve(INFRA_DIR, "..");
let stubDir: string;
beforeAll(() => {
  stubDir = mkdtempSync(path.join(tmpdir(), "run-no-python-"));
  const stub = path.join(stubDir, "python3");
  writeFileSync(stub, `#!/bin/sh\necho "python3 $*" >> "${stubDir}/calls"\nexit 1\n`);
  chmodSync(stub, 0o755);
});
afterAll(() => rmSync(stubDir, { recursive: true, force: true }));

it("./run synth prints the inventory without touching Python or the emulator", async () => {
  const { AWS_ENDPOINT_URL: _endpoint, MOTO_PYTHON: _python, ...env } = process.env;
  const { stdout } = await promisify(execFile)(path.join(root, "run"), ["synth", "bootstrap", "dev"], {
    cwd: root,
    env: { ...env, PATH: `${stubDir}:${path.dirname(process.execPath)}:${env.PATH}` },
    maxBuffer: 64 << 20,
  });
  expect(JSON.parse(stdout).stack).toBe("dev");
  expect(() => readFileSync(path.join(stubDir, "calls"), "utf8")).toThrow(/ENOENT/);
}, 120_000);
