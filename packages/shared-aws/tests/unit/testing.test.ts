// The helpers tests and the local apps share: a package's handlers invoked in-process from its manifest, a
// resumable one invoked until done, and the AWS errors fakes answer with.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PackageManifest } from "@fleet/manifest";
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { classifyError } from "../../src/errors";
import {
  handlerInvoker,
  noSuchKey,
  resourceNotFoundError,
  s3NotFound,
  throttlingError,
  untilDone,
} from "../../src/testing";

const repoRoot = mkdtempSync(path.join(tmpdir(), "shared-aws-testing-"));
afterAll(() => rmSync(repoRoot, { recursive: true, force: true }));

// A handler that reports the context Lambda would give it, and one module without a handler.
mkdirSync(path.join(repoRoot, "packages/echo/src"), { recursive: true });
writeFileSync(
  path.join(repoRoot, "packages/echo/src/echo.mjs"),
  "export const handler = async (event, context) => ({ event, name: context.functionName, " +
    "memory: context.memoryLimitInMB, left: context.getRemainingTimeInMillis() });\n",
);
writeFileSync(path.join(repoRoot, "packages/echo/src/none.mjs"), "export const other = 1;\n");
const spec = (entry: string) => ({ entry, description: "d", timeoutSeconds: 30, memoryMb: 256, env: {} });
const manifest: PackageManifest = {
  name: "echo",
  packageDir: "packages/echo",
  resources: {},
  handlers: { echo: spec("src/echo.mjs"), none: spec("src/none.mjs") },
  stateMachines: {},
};

describe("handlerInvoker", () => {
  const invoke = handlerInvoker(manifest, repoRoot);

  it("runs the manifest's handler with a context named after the package, its memory and its timeout", async () => {
    // The clock stands still, so the time left is the whole timeout.
    const clock = jest.spyOn(Date, "now").mockReturnValue(1_000_000);
    try {
      expect(await invoke("echo", { a: 1 })).toEqual({
        event: { a: 1 },
        name: "echo-echo",
        memory: "256",
        left: 30_000,
      });
      expect(await invoke("echo", {}, { timeoutMs: 5_000 })).toMatchObject({ left: 5_000 });
    } finally {
      clock.mockRestore();
    }
  });

  it("names an unknown handler and a module without a handler", async () => {
    await expect(invoke("nope", {})).rejects.toThrow('echo has no handler "nope"; handlers: echo, none');
    await expect(invoke("none", {})).rejects.toThrow(/none\.mjs exports no handler function/);
  });
});

describe("untilDone", () => {
  it("invokes again with the returned cursor until done, and refuses done: false without a cursor", async () => {
    const events: unknown[] = [];
    const runs = await untilDone(
      async <R>(_handler: string, event: unknown) => {
        events.push(event);
        const at = (event as { cursor?: number }).cursor ?? 0;
        return (at < 2 ? { done: false, cursor: at + 1 } : { done: true }) as R;
      },
      "step",
      { job: "j" },
    );
    expect(events).toEqual([{ job: "j" }, { job: "j", cursor: 1 }, { job: "j", cursor: 2 }]);
    expect(runs.at(-1)).toEqual({ done: true });
    await expect(untilDone(async <R>() => ({ done: false }) as R, "stuck", {})).rejects.toThrow(
      "stuck returned done: false without a cursor",
    );
  });
});

describe("AWS error fakes", () => {
  it("are named and classified as the SDK's errors are", () => {
    expect(classifyError(throttlingError())).toBe("throttle");
    for (const error of [resourceNotFoundError(), s3NotFound(), noSuchKey()]) {
      expect(error.$metadata.httpStatusCode).toBe(404);
      expect(classifyError(error)).toBe("fatal");
    }
    expect([resourceNotFoundError(), s3NotFound(), noSuchKey()].map((e) => e.name)).toEqual([
      "ResourceNotFoundException",
      "NotFound",
      "NoSuchKey",
    ]);
  });
});
