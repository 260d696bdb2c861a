// What a bundle is made of, from the bytes esbuild reports for each input module.

const PACKAGE = /node_modules\/((?:@[^/]+\/)?[^/]+)\//g;
const SDK_CLIENT_CLASS = /^(.*node_modules\/(@aws-sdk\/client-[^/]+))\/dist-es\/(\w+Client)\.js$/;

/** The npm package an input belongs to (the innermost node_modules), or the input itself for workspace sources. */
export function ownerOf(input: string): string {
  const owners = [...input.matchAll(PACKAGE)].map((match) => match[1] as string);
  return owners.at(-1) ?? input;
}

/** Bytes in the bundle by owner, largest first. */
export function biggestOwners(inputs: Record<string, number>, count: number): [string, number][] {
  const bytes = new Map<string, number>();
  for (const [input, size] of Object.entries(inputs)) {
    const owner = ownerOf(input);
    bytes.set(owner, (bytes.get(owner) ?? 0) + size);
  }
  return [...bytes].sort((a, b) => b[1] - a[1]).slice(0, count);
}

export interface SdkClient {
  /** e.g. `@aws-sdk/client-iot` */
  packageName: string;
  /** e.g. `IoTClient` */
  className: string;
  /**
   * The package's ESM entry, as the handler's bundle resolved it (relative to the package directory): a client
   * another workspace package depends on (shared-aws's Service Quotas client) is not resolvable by name here.
   */
  entry: string;
}

/** The AWS SDK clients a bundle holds: those whose client class made it into the bundle, sorted by package. */
export function sdkClients(inputs: Record<string, number>): SdkClient[] {
  const clients = new Map<string, SdkClient>();
  for (const input of Object.keys(inputs)) {
    const match = SDK_CLIENT_CLASS.exec(input);
    if (match) {
      const packageName = match[2] as string;
      clients.set(packageName, {
        packageName,
        className: match[3] as string,
        entry: `${match[1]}/dist-es/index.js`,
      });
    }
  }
  return [...clients.values()].sort((a, b) => a.packageName.localeCompare(b.packageName));
}
