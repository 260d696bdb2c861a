// The floor a handler's cold start is measured against: a bundle, built exactly as handlers are, that only
// creates the AWS SDK clients the handler holds (one client of each, as a handler creates them at module scope).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PackageManifest } from "@fleet/manifest";
import { bundleHandlers } from "../src/bundle";
import { BUNDLE_ENTRY_FILE } from "../src/layout";
import type { SdkClient } from "./inputs";

export interface Floor {
  /** e.g. `client-iot+client-s3` */
  name: string;
  bundle: string;
  kib: number;
}

export const floorName = (clients: readonly SdkClient[]) =>
  clients.map((client) => client.packageName.replace("@aws-sdk/", "")).join("+") || "no-clients";

const floorSource = (clients: readonly SdkClient[], packageDir: string) =>
  [
    ...clients.map(
      ({ className, entry }) =>
        `import { ${className} } from ${JSON.stringify(path.resolve(packageDir, entry))};`,
    ),
    `export const clients = [${clients.map(({ className }) => `new ${className}({})`).join(", ")}];`,
  ].join("\n");

/**
 * Builds one floor per distinct client set in `workDir`, a folder inside the package whose handlers use them;
 * each client is imported from the very files the handler's bundle holds (`entry`, relative to `packageDir`).
 */
export async function buildFloors(
  clientSets: readonly (readonly SdkClient[])[],
  packageDir: string,
  workDir: string,
): Promise<Map<string, Floor>> {
  const handlers: PackageManifest["handlers"] = {};
  await mkdir(workDir, { recursive: true });
  for (const clients of clientSets) {
    const name = floorName(clients);
    if (handlers[name]) continue;
    await writeFile(path.join(workDir, `${name}.mjs`), floorSource(clients, packageDir));
    handlers[name] = {
      entry: `${name}.mjs`,
      description: "floor",
      timeoutSeconds: 1,
      memoryMb: 128,
      env: {},
    };
  }
  const manifest: PackageManifest = {
    name: "floor",
    packageDir: workDir,
    resources: {},
    handlers,
    stateMachines: {},
  };
  const built = await bundleHandlers(manifest, workDir, { sourcemap: false });
  return new Map(
    built.map(({ handler, dir, bytes }) => [
      handler,
      { name: handler, bundle: path.join(dir, BUNDLE_ENTRY_FILE), kib: bytes / 1024 },
    ]),
  );
}
