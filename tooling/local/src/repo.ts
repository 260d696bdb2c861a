import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: manifests name package folders relative to it. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
