// Loads a package's real handler modules in this process and invokes them as Lambda would.
import { join } from "node:path";
import type { PackageManifest } from "@fleet/bundle";
import { localContext } from "@fleet/shared-aws/testing";
import type { Invoke } from "@fleet/testing/state-machine";
import { repoRoot } from "./repo";

type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * An invoker for the manifest's handlers. Modules load on first use, so the environment (endpoint, bucket,
 * state machine) must be in place before the first call: handlers read their config at cold start.
 */
export function handlerInvoker(manifest: PackageManifest): Invoke {
  const loaded = new Map<string, Promise<LambdaHandler>>();
  return async (name, event) => {
    const spec = manifest.handlers[name];
    if (!spec) throw new Error(`${manifest.name} has no handler "${name}"`);
    let handler = loaded.get(name);
    if (!handler) {
      handler = import(join(repoRoot, manifest.packageDir, spec.entry)).then(
        (m: { handler: LambdaHandler }) => m.handler,
      );
      loaded.set(name, handler);
    }
    const context = localContext({
      functionName: `${manifest.name}-${name}`,
      timeoutMs: spec.timeoutSeconds * 1000,
      memoryMb: spec.memoryMb,
    });
    return (await handler)(event, context);
  };
}

/** Invokes a resumable handler again with its cursor until it reports done; returns every run's result. */
export async function untilDone<R extends { done?: boolean; cursor?: unknown }>(
  invoke: Invoke,
  handler: string,
  event: Record<string, unknown>,
): Promise<R[]> {
  const runs: R[] = [];
  let cursor: unknown;
  do {
    const result = (await invoke(handler, cursor === undefined ? event : { ...event, cursor })) as R;
    runs.push(result);
    cursor = result.cursor;
    if (result.done === false && (cursor === undefined || cursor === null)) {
      throw new Error(`${handler} returned done: false without a cursor`);
    }
    if (result.done !== false) break;
  } while (true);
  return runs;
}
