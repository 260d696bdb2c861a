// The domain packages of the workspace, found rather than listed, so that the local apps and infra's stack
// checks know a new package without a line naming it: every folder of packages/ whose package.json exports
// its manifest (`.`) and its scenes (`./scene`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PackageManifest } from "./manifest";
import type { Scene } from "./scene";

export interface DomainPackage {
  /** The package folder relative to the repository root, e.g. `packages/jobs-targeting`. */
  dir: string;
  /** Absolute path of the module exporting `manifest`. */
  manifestModule: string;
  /** Absolute path of the module exporting `scenes`. */
  sceneModule: string;
}

export function domainPackages(repoRoot: string): DomainPackage[] {
  const packagesDir = path.join(repoRoot, "packages");
  return readdirSync(packagesDir)
    .sort()
    .flatMap((folder) => {
      const file = path.join(packagesDir, folder, "package.json");
      if (!existsSync(file)) return [];
      const exports = (JSON.parse(readFileSync(file, "utf8")) as { exports?: Record<string, string> })
        .exports;
      const manifest = exports?.["."];
      const scene = exports?.["./scene"];
      if (!manifest || !scene) return [];
      return [
        {
          dir: path.posix.join("packages", folder),
          manifestModule: path.join(packagesDir, folder, manifest),
          sceneModule: path.join(packagesDir, folder, scene),
        },
      ];
    });
}

async function exported<T>(module: string, name: string): Promise<T> {
  const value = ((await import(pathToFileURL(module).href)) as Record<string, unknown>)[name];
  if (value === undefined) throw new Error(`${module} exports no ${name}`);
  return value as T;
}

/**
 * Each package's export, one package after another: jest's ESM loader fails ("module not been linked") when two
 * imports in flight share a dependency (two domain packages importing @fleet/shared-aws).
 */
async function exportedByEach<T>(modules: string[], name: string): Promise<T[]> {
  const values: T[] = [];
  for (const module of modules) values.push(await exported<T>(module, name));
  return values;
}

/** The manifest of every domain package. */
export const loadManifests = (repoRoot: string): Promise<PackageManifest[]> =>
  exportedByEach(
    domainPackages(repoRoot).map((pkg) => pkg.manifestModule),
    "manifest",
  );

/** The scenes of every domain package, in package order, each package's in the order it lists them. */
export const loadScenes = async (repoRoot: string): Promise<Scene[]> =>
  (
    await exportedByEach<Scene[]>(
      domainPackages(repoRoot).map((pkg) => pkg.sceneModule),
      "scenes",
    )
  ).flat();
