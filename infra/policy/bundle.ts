// The policy pack as one JavaScript file for the Pulumi CLI (PulumiPolicy.yaml `main`).
import path from "node:path";
import { bundlePulumiEntry } from "@fleet/bundle";

export const PACK_DIR = import.meta.dirname;
export const PACK_BUNDLE = path.join(PACK_DIR, "dist/index.mjs");

export const bundlePolicyPack = (outfile = PACK_BUNDLE): Promise<void> =>
  bundlePulumiEntry(path.join(PACK_DIR, "src/index.ts"), outfile);
