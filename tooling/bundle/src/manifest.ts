// The contract between a handler package and infra: what to bundle, and what each function needs to run.

export interface EnvVarSpec {
  description: string;
  /** A required variable must be set by infra; an optional one has a default in the handler's config. */
  required: boolean;
}

export interface LambdaHandlerSpec {
  /** Source entry, relative to the package directory, e.g. `src/handlers/seed-things.ts`. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Every environment variable the handler reads. */
  env: Record<string, EnvVarSpec>;
}

export interface StateMachineSpec {
  description: string;
  /**
   * Amazon States Language. Task states call `arn:aws:states:::lambda:invoke` with
   * `"FunctionName": "${<handler-name>}"`; infra substitutes each placeholder with that function's ARN.
   */
  definition: Record<string, unknown>;
}

export interface PackageManifest {
  /** Short name used in resource names, e.g. `jobs-targeting`. */
  name: string;
  /** The package directory relative to the repository root; bundles are in `<packageDir>/dist/<handler>/`. */
  packageDir: string;
  handlers: Record<string, LambdaHandlerSpec>;
  stateMachines: Record<string, StateMachineSpec>;
}

/** Where the bundle of one handler lands, relative to the package directory. */
export const bundleDir = (handlerName: string) => `dist/${handlerName}`;

/** The file in that folder Lambda loads (`index.handler`); `.mjs` makes Node treat it as ESM. */
export const BUNDLE_ENTRY_FILE = "index.mjs";
