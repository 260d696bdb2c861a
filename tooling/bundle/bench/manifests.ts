// Every package manifest in the repository: each workspace package under packages/ whose main module exports a
// `manifest` with handlers. Read at run time, so this build-time tool imports no domain package.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PackageManifest } from "../src/manifest";

export async function packageManifests(repoRoot: string): Promise<PackageManifest[]> {
  const packagesDir = path.join(repoRoot, "packages");
  const manifests: PackageManifest[] = [];
  for (const dir of (await readdir(packagesDir)).sort()) {
    const packageJson = path.join(packagesDir, dir, "package.json");
    const main = await readFile(packageJson, "utf8").then(
      (text) => (JSON.parse(text) as { exports?: Record<string, string> }).exports?.["."],
      () => undefined,
    );
    if (!main) continue;
    const module = (await import(pathToFileURL(path.join(packagesDir, dir, main)).href)) as {
      manifest?: PackageManifest;
    };
    if (module.manifest?.handlers) manifests.push(module.manifest);
  }
  return manifests;
}
