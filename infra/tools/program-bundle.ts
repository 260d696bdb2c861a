// The Pulumi program as one JavaScript file for the Pulumi CLI (Pulumi.yaml `main`): TypeScript 7 offers the
// CLI no compiler to run the sources with, and a bundle also carries the workspace packages' TypeScript.
import path from "node:path";
import { build } from "esbuild";

export const INFRA_DIR = path.resolve(import.meta.dirname, "..");
export const PROGRAM_ENTRY = path.join(INFRA_DIR, "src/index.ts");
export const PROGRAM_BUNDLE = path.join(INFRA_DIR, "dist/index.mjs");

/** Bundles the program into `outfile`; the Pulumi SDKs stay external so the CLI and program share one runtime. */
export async function bundleProgram(outfile = PROGRAM_BUNDLE): Promise<void> {
  await build({
    entryPoints: [PROGRAM_ENTRY],
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
