// How long a bundle's cold `import()` takes: each run in a fresh node process, as a new Lambda container would.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

// Timed inside the child, so node's own start-up is left out and only loading the bundle counts.
const IMPORT_TIMED = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
`;

/** Milliseconds of one cold import of `bundleUrl`, with exactly `env` as the environment. */
export async function coldImportMs(bundleUrl: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", IMPORT_TIMED, bundleUrl], {
    env,
  }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`importing ${bundleUrl} failed: ${error.stderr?.trim() || error.message}`);
  });
  return Number(stdout);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
