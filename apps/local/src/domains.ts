// The domain packages the local apps run: found in the workspace (see @fleet/manifest/workspace), so a new
// package's handlers can be invoked and its scene played without a line here.
import type { PackageManifest, Scene } from "@fleet/manifest";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { loadManifests, loadScenes } from "@fleet/manifest/workspace";

export const repoRoot = findRepoRoot(import.meta.dirname);

/** The manifest named `name`; the error lists the known ones. */
export async function findManifest(name: string): Promise<PackageManifest> {
  const manifests = await loadManifests(repoRoot);
  const found = manifests.find((manifest) => manifest.name === name);
  if (!found) {
    throw new Error(`unknown package "${name}"; packages: ${manifests.map((m) => m.name).join(", ")}`);
  }
  return found;
}

/** Every package's scene, in package order. */
export const allScenes = (): Promise<Scene[]> => loadScenes(repoRoot);
