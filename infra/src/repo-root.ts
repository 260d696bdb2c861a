import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The repository root: the nearest folder above `from` holding pnpm-workspace.yaml. Found rather than assumed,
 * so the program runs the same from src/ (tests, synth) and from dist/ (the Pulumi CLI).
 */
export function findRepoRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}
