import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The repository root, which manifests name package folders relative to: the nearest folder above `from`
 * holding pnpm-workspace.yaml. Found rather than assumed, so code runs the same from sources and from bundles.
 */
export function findRepoRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}
