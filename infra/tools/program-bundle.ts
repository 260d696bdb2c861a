// The Pulumi programs as one JavaScript file each for the Pulumi CLI (Pulumi.yaml `main`): TypeScript 7 offers
// the CLI no compiler to run the sources with, and a bundle also carries the workspace packages' TypeScript.
import path from "node:path";
import { bundlePulumiEntry } from "@fleet/bundle";

export const INFRA_DIR = path.resolve(import.meta.dirname, "..");

/** A Pulumi project of this package: its folder (Pulumi.yaml, Pulumi.<stack>.yaml), sources and bundle. */
export interface PulumiProgram {
  dir: string;
  entry: string;
  bundle: string;
}

const program = (dir: string): PulumiProgram => ({
  dir,
  entry: path.join(dir, "src/index.ts"),
  bundle: path.join(dir, "dist/index.mjs"),
});

/** The fleet: one stack per environment. */
export const FLEET_PROGRAM = program(INFRA_DIR);
/** What the fleet's deployments stand on, once per AWS account: state, secrets key, OIDC, CI roles. */
export const BOOTSTRAP_PROGRAM = program(path.join(INFRA_DIR, "bootstrap"));
export const PROGRAMS = [FLEET_PROGRAM, BOOTSTRAP_PROGRAM];

export const PROGRAM_ENTRY = FLEET_PROGRAM.entry;
export const PROGRAM_BUNDLE = FLEET_PROGRAM.bundle;

/** Bundles `entry` into `outfile` for the Pulumi CLI. */
export const bundleProgram = (outfile = PROGRAM_BUNDLE, entry = PROGRAM_ENTRY): Promise<void> =>
  bundlePulumiEntry(entry, outfile);
