// Bundles every handler of a package into `dist/<handler>/index.mjs`: one self-contained ESM file per function,
// AWS SDK included, so a deployment never zips a pnpm node_modules tree. Source maps only when asked for.
import { rm } from "node:fs/promises";
import path from "node:path";
import type { PackageManifest } from "@fleet/manifest";
import { build } from "esbuild";
import { BUNDLE_ENTRY_FILE, bundleDir } from "./layout";

// Some CommonJS dependencies call `require()` for Node built-ins; an ESM bundle has no `require` of its own.
const REQUIRE_SHIM =
  'import { createRequire as __bundleCreateRequire } from "node:module"; const require = __bundleCreateRequire(import.meta.url);';

export interface BundleResult {
  handler: string;
  /** Absolute path of the handler's bundle folder. */
  dir: string;
  bytes: number;
  /** Bytes each input module contributes to the bundle, by path relative to the package (esbuild's metafile). */
  inputs: Record<string, number>;
}

export interface BundleOptions {
  /**
   * Also write a linked `index.mjs.map` (mappings only; Lambda uses it with NODE_OPTIONS=--enable-source-maps).
   * Default: on when the BUNDLE_SOURCEMAP environment variable is `1`. Off, the archive holds only the code.
   */
  sourcemap?: boolean;
}

/**
 * Builds `<packageDirAbs>/dist/<handler>/index.mjs` for every handler in the manifest. Same sources give
 * byte-identical output: no timestamps, and source-map paths are relative to the output file.
 */
export async function bundleHandlers(
  manifest: PackageManifest,
  packageDirAbs: string,
  options: BundleOptions = {},
): Promise<BundleResult[]> {
  const sourcemap = options.sourcemap ?? process.env.BUNDLE_SOURCEMAP === "1";
  const names = Object.keys(manifest.handlers).sort();
  if (names.length === 0) throw new Error(`${manifest.name}: the manifest declares no handlers`);
  const distDir = path.join(packageDirAbs, "dist");
  // Stale files from a previous build would end up in the deployment archive.
  await Promise.all(
    names.map((name) => rm(path.join(packageDirAbs, bundleDir(name)), { recursive: true, force: true })),
  );

  const entryPoints = Object.fromEntries(
    names.map((name) => [`${name}/index`, path.join(packageDirAbs, handlerEntry(manifest, name))]),
  );
  const result = await build({
    absWorkingDir: packageDirAbs,
    entryPoints,
    outdir: distDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // Prefer ES module builds of dependencies: they tree-shake far better than their CommonJS twins.
    mainFields: ["module", "main"],
    minify: true,
    // Linked: the sourceMappingURL comment lets `node --enable-source-maps` find the map in Lambda.
    sourcemap: sourcemap ? "linked" : false,
    // Stack traces need only the mappings; leaving the sources out keeps the archive small.
    sourcesContent: false,
    banner: { js: REQUIRE_SHIM },
    legalComments: "eof",
    metafile: true,
    logLevel: "silent",
  });

  return names.map((name) => {
    const output = result.metafile.outputs[path.posix.join("dist", name, BUNDLE_ENTRY_FILE)];
    if (!output) throw new Error(`${manifest.name}/${name}: esbuild produced no ${BUNDLE_ENTRY_FILE}`);
    const inputs = Object.fromEntries(
      Object.entries(output.inputs).map(([input, { bytesInOutput }]) => [input, bytesInOutput]),
    );
    return { handler: name, dir: path.join(packageDirAbs, bundleDir(name)), bytes: output.bytes, inputs };
  });
}

function handlerEntry(manifest: PackageManifest, name: string): string {
  const entry = manifest.handlers[name]?.entry;
  if (!entry || path.isAbsolute(entry) || entry.split(/[\\/]/).includes("..")) {
    throw new Error(
      `${manifest.name}/${name}: entry must be a path inside the package, got ${JSON.stringify(entry)}`,
    );
  }
  return entry;
}
