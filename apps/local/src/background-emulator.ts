// The long-lived local AWS that `./run invoke` calls share, so that state survives between invocations
// (seed things, then preview them). Its address lives in .tools/emulator.json.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { EMULATOR_ENV, isServing, startEmulator } from "@fleet/testing/emulator";
import { repoRoot } from "./domains";

const stateFile = join(repoRoot, ".tools", "emulator.json");

interface EmulatorState {
  endpoint: string;
  pid: number;
}

function readState(): EmulatorState | undefined {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, "utf8")) as EmulatorState;
}

/** The running local emulator's endpoint, started in the background if none answers. */
export async function ensureLocalEmulator(log: (line: string) => void): Promise<string> {
  const state = readState();
  if (state && (await isServing(state.endpoint))) return state.endpoint;
  mkdirSync(dirname(stateFile), { recursive: true });
  const emulator = await startEmulator({ detached: true, logFile: join(repoRoot, ".tools", "moto.log") });
  writeFileSync(stateFile, JSON.stringify({ endpoint: emulator.endpoint, pid: emulator.pid }));
  log(`started the local AWS emulator at ${emulator.endpoint} (./run emulator stop ends it)`);
  return emulator.endpoint;
}

export async function stopLocalEmulator(): Promise<boolean> {
  const state = readState();
  if (!state) return false;
  try {
    process.kill(state.pid, "SIGTERM");
  } catch {
    // already gone
  }
  rmSync(stateFile, { force: true });
  return true;
}

export async function localEmulatorStatus(): Promise<string> {
  const state = readState();
  if (state && (await isServing(state.endpoint))) return `running at ${state.endpoint} (pid ${state.pid})`;
  return "not running";
}

export const emulatorEnv = (endpoint: string) => ({ ...EMULATOR_ENV, AWS_ENDPOINT_URL: endpoint });
