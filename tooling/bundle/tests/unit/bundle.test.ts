import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PackageManifest } from "@fleet/manifest";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { bundleHandlers, locateBundle } from "../../src/index";

const packageRoot = path.resolve(import.meta.dirname, "../..");
const fixture = path.join(packageRoot, "tests/fixtures/hello-package");

const hello = {
  entry: "src/handlers/hello.ts",
  description: "says hello",
  timeoutSeconds: 3,
  memoryMb: 128,
  env: {},
};
const manifest: PackageManifest = {
  name: "hello",
  packageDir: "pkg",
  resources: {},
  handlers: {
    hello,
    bye: { entry: "src/handlers/bye.ts", description: "says bye", timeoutSeconds: 3, memoryMb: 128, env: {} },
  },
  stateMachines: {},
};

/** Every file under `dir`, relative to it, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

// Copies of the fixture at two different absolute paths of equal depth. They live under this package's
// node_modules so that the fixture's npm dependency resolves exactly as it does for a real package.
let workDir: string;
let copyA: string;
let copyB: string;

beforeAll(async () => {
  const cacheDir = path.join(packageRoot, "node_modules/.cache");
  await mkdir(cacheDir, { recursive: true });
  workDir = await mkdtemp(path.join(cacheDir, "bundle-test-"));
  copyA = path.join(workDir, "a/pkg");
  copyB = path.join(workDir, "b/pkg");
  for (const copy of [copyA, copyB])
    await cp(path.join(fixture, "src"), path.join(copy, "src"), { recursive: true });
  await bundleHandlers(manifest, copyA);
  await bundleHandlers(manifest, copyB);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe("bundleHandlers", () => {
  it("writes one folder per handler holding only index.mjs (no node_modules, no source map)", async () => {
    expect(await listFiles(path.join(copyA, "dist"))).toEqual(["bye/index.mjs", "hello/index.mjs"]);
    expect(await readFile(path.join(copyA, "dist/hello/index.mjs"), "utf8")).not.toContain(
      "sourceMappingURL",
    );
  });

  it("writes a linked source map, mappings only, when asked", async () => {
    const copy = path.join(workDir, "c/pkg");
    await cp(path.join(fixture, "src"), path.join(copy, "src"), { recursive: true });
    await bundleHandlers(manifest, copy, { sourcemap: true });
    expect(await listFiles(path.join(copy, "dist/hello"))).toEqual(["index.mjs", "index.mjs.map"]);
    const map = JSON.parse(await readFile(path.join(copy, "dist/hello/index.mjs.map"), "utf8"));
    expect(map.sources).toEqual(
      expect.arrayContaining(["../../src/handlers/hello.ts", "../../src/greeting.cjs"]),
    );
    expect(map.sourcesContent).toBeUndefined();
    expect(await readFile(path.join(copy, "dist/hello/index.mjs"), "utf8")).toContain(
      "//# sourceMappingURL=index.mjs.map",
    );
  });

  it("reports each bundle's size and the bytes each input module contributes to it", async () => {
    const [bye, hello] = await bundleHandlers(manifest, copyB);
    expect(hello?.bytes).toBe((await readFile(path.join(copyB, "dist/hello/index.mjs"))).length);
    expect(hello?.inputs).toEqual(
      expect.objectContaining({
        "src/handlers/hello.ts": expect.any(Number),
        "src/greeting.cjs": expect.any(Number),
      }),
    );
    expect(Object.keys(hello?.inputs ?? {}).some((input) => input.includes("node_modules/zod/"))).toBe(true);
    expect(Object.keys(bye?.inputs ?? {})).toEqual(["src/handlers/bye.ts"]);
  });

  it("produces byte-identical output from the same sources at another path, with no absolute paths inside", async () => {
    const files = await listFiles(path.join(copyA, "dist"));
    for (const file of files) {
      const a = await readFile(path.join(copyA, "dist", file));
      const b = await readFile(path.join(copyB, "dist", file));
      expect({ file, same: a.equals(b) }).toEqual({ file, same: true });
      for (const absolute of [workDir, packageRoot, path.resolve(packageRoot, "../..")]) {
        expect(a.toString("utf8")).not.toContain(absolute);
      }
    }
  });

  it("bundles dependencies so the handler runs from a folder with no node_modules above it", async () => {
    const isolated = await mkdtemp(path.join(tmpdir(), "bundle-run-"));
    try {
      await cp(path.join(copyA, "dist/hello"), isolated, { recursive: true });
      const module = await import(pathToFileURL(path.join(isolated, "index.mjs")).href);
      await expect(module.handler({ name: "a/b/world" })).resolves.toEqual({ message: "hello world" });
      // zod did its job inside the bundle.
      await expect(module.handler({ name: 42 })).rejects.toThrow();
    } finally {
      await rm(isolated, { recursive: true, force: true });
    }
  });

  it("removes stale files of a previous build", async () => {
    await writeFile(path.join(copyB, "dist/hello/stale.txt"), "left over");
    await bundleHandlers(manifest, copyB);
    expect(await listFiles(path.join(copyB, "dist/hello"))).toEqual(["index.mjs"]);
  });

  it("refuses an entry outside the package", async () => {
    const escaping = {
      ...manifest,
      handlers: { evil: { ...hello, entry: "../outside.ts" } },
    };
    await expect(bundleHandlers(escaping, copyA)).rejects.toThrow(
      /evil: entry must be a path inside the package/,
    );
  });
});

describe("locateBundle", () => {
  it("returns the handler's bundle folder once built", () => {
    expect(locateBundle(manifest, "hello", path.dirname(copyA))).toBe(path.join(copyA, "dist/hello"));
  });

  it("fails with the build command when the bundle is missing", () => {
    expect(() => locateBundle({ ...manifest, packageDir: "unbuilt" }, "hello", path.dirname(copyA))).toThrow(
      /Bundle of hello\/hello not found at .*unbuilt\/dist\/hello\/index\.mjs: run `pnpm build` first/,
    );
  });

  it("rejects a handler the manifest does not declare", () => {
    expect(() => locateBundle(manifest, "nope", path.dirname(copyA))).toThrow(
      /hello has no handler named "nope"/,
    );
  });
});
