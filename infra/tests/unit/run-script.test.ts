// `./run build` and `./run synth` never need the local AWS emulator, so they never set it up. A copy of `run` runs
// in an empty folder (no .venv: nothing is set up already) with stub node, pnpm and python3 first on PATH, each
// recording its calls: build and synth hand over to pnpm without calling Python, while a command that talks to
// the emulator does call it (and stops there, since the stub fails).
import { execFile } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, it } from "@jest/globals";
import { INFRA_DIR } from "../../tools/program-bundle";

const repoRoot = path.resolve(INFRA_DIR, "..");
const pnpmVersion = /^PNPM_VERSION="([^"]+)"/m.exec(readFileSync(path.join(repoRoot, "run"), "utf8"))?.[1];

let root: string;
const calls = (tool: string): string[] => {
  const log = path.join(root, `${tool}.calls`);
  return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
};

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "run-copy-"));
  for (const file of ["run", ".node-version"]) copyFileSync(path.join(repoRoot, file), path.join(root, file));
  mkdirSync(path.join(root, "bin"));
  const stub = (tool: string, body: string) => {
    const file = path.join(root, "bin", tool);
    writeFileSync(file, `#!/bin/sh\necho "$*" >> "${root}/${tool}.calls"\n${body}\n`);
    chmodSync(file, 0o755);
  };
  stub("node", "echo 22");
  stub("pnpm", `if [ "$1" = "--version" ]; then echo "${pnpmVersion}"; fi`);
  stub("python3", "exit 1");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const run = (...args: string[]) => {
  const { AWS_ENDPOINT_URL: _endpoint, MOTO_PYTHON: _python, ...env } = process.env;
  return promisify(execFile)(path.join(root, "run"), args, {
    cwd: root,
    env: { ...env, PATH: `${path.join(root, "bin")}:/usr/bin:/bin` },
  });
};

it.each([["build"], ["synth", "bootstrap", "dev"]])(
  "./run %s hands over to pnpm without touching Python",
  async (...args) => {
    await run(...args);
    expect(calls("python3")).toEqual([]);
    expect(calls("pnpm").at(-1)).toBe(`--silent run ${args.join(" ")}`);
  },
);

it("./run check, which talks to the emulator, sets it up first (the stub python3 is called)", async () => {
  await expect(run("check")).rejects.toThrow();
  expect(calls("python3").length).toBeGreaterThan(0);
  expect(calls("pnpm").some((call) => call.includes("run check"))).toBe(false);
});
