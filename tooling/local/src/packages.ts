// The handler packages local tools know about: adding a domain package is one line here.
import type { PackageManifest } from "@fleet/bundle";

const MANIFESTS: Record<string, () => Promise<{ manifest: PackageManifest }>> = {
  "jobs-targeting": () => import("@fleet/jobs-targeting"),
};

export const packageNames = () => Object.keys(MANIFESTS);

export async function loadManifest(packageName: string): Promise<PackageManifest> {
  const load = MANIFESTS[packageName];
  if (!load) throw new Error(`unknown package "${packageName}"; known: ${packageNames().join(", ")}`);
  return (await load()).manifest;
}
