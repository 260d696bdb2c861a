// A Pulumi program or policy pack as one JavaScript file for the Pulumi CLI (`main` in Pulumi.yaml or
// PulumiPolicy.yaml): TypeScript 7 offers the CLI no compiler to run the sources with, and a bundle also carries
// the workspace packages' TypeScript. The Pulumi SDKs stay external, resolved from the project's node_modules,
// so that the CLI and the program share one runtime.
import { build } from "esbuild";

export async function bundlePulumiEntry(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
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
