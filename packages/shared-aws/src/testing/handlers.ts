// Runs a package's real handlers in this process as Lambda would: the local apps (invoke, the demo scenes)
// and integration tests load them the same way.
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PackageManifest } from "@fleet/manifest";
import type { Context } from "aws-lambda";
import { localContext } from "./local-context";

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Invokes a handler by name; `timeoutMs` replaces the manifest's timeout (the time left on the clock). */
export type Invoke = <R = unknown>(
  handler: string,
  event: unknown,
  options?: { timeoutMs?: number },
) => Promise<R>;

/**
 * An invoker for the manifest's handlers. A handler's module loads on its first call, so its environment
 * (endpoint, resource names) must be in place by then: handlers read their config at cold start. Each call gets
 * a fresh Lambda context named `<package>-<handler>`, with the handler's memory and timeout.
 */
export function handlerInvoker(manifest: PackageManifest, repoRoot: string): Invoke {
  const loaded = new Map<string, Promise<LambdaHandler>>();
  const load = (name: string, entry: string) => {
    let handler = loaded.get(name);
    if (!handler) {
      const file = pathToFileURL(path.join(repoRoot, manifest.packageDir, entry)).href;
      handler = import(file).then((module: { handler?: LambdaHandler }) => {
        if (typeof module.handler !== "function") throw new Error(`${file} exports no handler function`);
        return module.handler;
      });
      loaded.set(name, handler);
    }
    return handler;
  };
  return async <R>(name: string, event: unknown, options: { timeoutMs?: number } = {}) => {
    const spec = manifest.handlers[name];
    if (!spec) {
      throw new Error(
        `${manifest.name} has no handler "${name}"; handlers: ${Object.keys(manifest.handlers).join(", ")}`,
      );
    }
    const context = localContext({
      functionName: `${manifest.name}-${name}`,
      timeoutMs: options.timeoutMs ?? spec.timeoutSeconds * 1000,
      memoryMb: spec.memoryMb,
    });
    return (await (
      await load(name, spec.entry)
    )(event, context)) as R;
  };
}

/** Invokes a resumable handler again with its cursor until it reports done; returns every run's result. */
export async function untilDone<R extends { done?: boolean; cursor?: unknown }>(
  invoke: Invoke,
  handler: string,
  event: Record<string, unknown>,
): Promise<R[]> {
  const runs: R[] = [];
  for (let cursor: unknown; ; ) {
    const result = await invoke<R>(handler, cursor === undefined ? event : { ...event, cursor });
    runs.push(result);
    if (result.done !== false) return runs;
    if (result.cursor === undefined || result.cursor === null) {
      throw new Error(`${handler} returned done: false without a cursor`);
    }
    cursor = result.cursor;
  }
}
