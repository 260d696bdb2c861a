// Where a deployed handler's bundle lives, checked before anything is deployed from it. esbuild-free, so that
// the Pulumi program can import it.
import { existsSync } from "node:fs";
import path from "node:path";
import type { PackageManifest } from "@fleet/manifest";
import { BUNDLE_ENTRY_FILE, bundleDir } from "./layout";

/**
 * The absolute folder holding `<handler>`'s bundle. Throws, naming the missing file, when the package has not
 * been built: a deployment archive of an empty folder would only fail later, at invocation time.
 */
export function locateBundle(manifest: PackageManifest, handler: string, repoRoot: string): string {
  if (!(handler in manifest.handlers)) {
    throw new Error(`${manifest.name} has no handler named ${JSON.stringify(handler)}`);
  }
  const dir = path.join(repoRoot, manifest.packageDir, bundleDir(handler));
  const entry = path.join(dir, BUNDLE_ENTRY_FILE);
  if (!existsSync(entry)) {
    throw new Error(`Bundle of ${manifest.name}/${handler} not found at ${entry}: run \`pnpm build\` first`);
  }
  return dir;
}

export { BUNDLE_ENTRY_FILE, bundleDir } from "./layout";
