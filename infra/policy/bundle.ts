// The policy pack as one JavaScript file for the Pulumi CLI (PulumiPolicy.yaml `main`); the Pulumi SDKs stay
// external, resolved from this package's node_modules like the programs' bundles.
import path from "node:path";
import { build } from "esbuild";

export const PACK_DIR = import.meta.dirname;
export const PACK_BUNDLE = path.join(PACK_DIR, "dist/index.mjs");

export async function bundlePolicyPack(outfile = PACK_BUNDLE): Promise<void> {
  await build({
    entryPoints: [path.join(PACK_DIR, "src/index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    external: ["@pulumi/*"],
    sourcemap: "linked",
    logLevel: "warning",
  });
}
