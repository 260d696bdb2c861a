// What `pnpm synth <stack>` prints: the resources `pulumi up` would create, with their options and their inputs
// in readable form (JSON documents parsed, bundle paths relative to the repository) and the stack's outputs.
import path from "node:path";
import type { Synthesis } from "./synthesize";

export interface InventoryEntry {
  type: string;
  name: string;
  /** `pulumi destroy` and replacements refuse to delete it. */
  protect: boolean;
  /** Deleting it from the stack leaves it in AWS. */
  retainOnDelete: boolean;
  inputs: Record<string, unknown>;
}

export interface Inventory {
  project: string;
  stack: string;
  resources: InventoryEntry[];
  outputs: Record<string, unknown>;
}

function readable(value: unknown, repoRoot: string): unknown {
  if (typeof value === "string" && /^[[{]/.test(value)) {
    try {
      return readable(JSON.parse(value), repoRoot);
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((item) => readable(item, repoRoot));
  if (value !== null && typeof value === "object") {
    if ("fileArchive" in value && typeof value.fileArchive === "string") {
      return { fileArchive: path.relative(repoRoot, value.fileArchive) };
    }
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, readable(inner, repoRoot)]));
  }
  return value;
}

/** Custom resources only: components group resources but create nothing in AWS. */
export const inventory = (synthesis: Synthesis, repoRoot: string): Inventory => ({
  project: synthesis.project,
  stack: synthesis.stack,
  resources: synthesis.resources
    .filter((resource) => resource.custom)
    .map(({ type, name, options, inputs }) => ({
      type,
      name,
      ...options,
      inputs: readable(inputs, repoRoot) as Record<string, unknown>,
    })),
  outputs: synthesis.outputs,
});
