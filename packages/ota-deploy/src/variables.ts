// Every environment variable this package reads, declared once as plain data: the manifest derives what infra
// must set from this table (without loading any runtime code: infra and the local apps import manifests side by
// side), and config.ts turns it into the typed specs the handlers load at cold start.
import type { EnvVarSpec } from "@fleet/manifest";

export type VarType =
  | { type: "string"; default?: string; pattern?: RegExp }
  | { type: "optionalString" }
  | { type: "number"; default: number; min: number; max: number; integer?: boolean };

export interface VarDeclaration {
  type: VarType;
  required: boolean;
  description: string;
  /** The manifest's resource the variable carries; infra sets it to that resource's value. */
  resource?: string;
}

export const VARS = {
  FIRMWARE_BUCKET: {
    type: { type: "string" },
    required: true,
    description: "Bucket holding firmware, release records, target lists and custom job documents",
    resource: "firmware",
  },
  OTA_ROLE_ARN: {
    type: { type: "optionalString" },
    required: false,
    description:
      "Role IoT assumes to read firmware for streams, used when the deployment config names no roleArn (infra sets the stack's OTA role)",
  },
  SIGNING_KEY_ID: {
    type: { type: "optionalString" },
    required: false,
    description:
      "Asymmetric KMS key (ECC_NIST_P256) that signs releases; unset: releases carry their MD5 only",
  },
  DOCUMENT_URL_HOSTS: {
    type: { type: "string", default: "", pattern: /^[a-z0-9.,-]*$/ },
    required: false,
    description:
      "Comma-separated hosts a custom job document may be fetched from over https (default: none, URL mode refused)",
  },
  GROUP_NAME_PREFIX: {
    type: { type: "string", default: "", pattern: /^[a-zA-Z0-9:_-]{0,64}$/ },
    required: false,
    description: "Jobs, streams and target groups must be named with this prefix (default: any name)",
  },
  DEFAULT_ROUND_DEADLINE_MINUTES: {
    type: { type: "number", default: 120, min: 1, max: 10_080, integer: true },
    required: false,
    description: "A round's deadline when the deployment config gives none (default 120 minutes)",
  },
  MAX_ROUND_DEADLINE_MINUTES: {
    type: { type: "number", default: 10_080, min: 1, max: 10_080, integer: true },
    required: false,
    description:
      "The longest round deadline a deployment config may ask for on this stack (default 10080 minutes, AWS's in-progress timeout maximum)",
  },
  CONCURRENCY: {
    type: { type: "number", default: 16, min: 1, max: 512, integer: true },
    required: false,
    description: "AWS calls in flight at once in the paced target-group fill (default 16)",
  },
  ADD_THING_TO_GROUP_RATE: {
    type: { type: "number", default: 100, min: 0.1, max: 100_000 },
    required: false,
    description:
      "AddThingToThingGroup calls per second the target-group fill may use (default 100, the AWS default quota)",
  },
} satisfies Record<string, VarDeclaration>;

export type VarName = keyof typeof VARS;

/** The variables each handler reads. */
export const HANDLER_VARS = {
  release: ["FIRMWARE_BUCKET", "SIGNING_KEY_ID"],
  "plan-deployment": [
    "FIRMWARE_BUCKET",
    "OTA_ROLE_ARN",
    "DOCUMENT_URL_HOSTS",
    "GROUP_NAME_PREFIX",
    "DEFAULT_ROUND_DEADLINE_MINUTES",
    "MAX_ROUND_DEADLINE_MINUTES",
  ],
  "fill-target-group": ["FIRMWARE_BUCKET", "ADD_THING_TO_GROUP_RATE", "CONCURRENCY", "GROUP_NAME_PREFIX"],
  "deploy-round": ["GROUP_NAME_PREFIX"],
  "round-status": [],
  "clean-up": ["FIRMWARE_BUCKET", "GROUP_NAME_PREFIX"],
} as const satisfies Record<string, readonly VarName[]>;

export type HandlerName = keyof typeof HANDLER_VARS;

/** The manifest's view of a handler's variables. */
export function handlerEnv(handler: HandlerName): Record<string, EnvVarSpec> {
  const names: readonly VarName[] = HANDLER_VARS[handler];
  return Object.fromEntries(
    names.map((name) => {
      const { required, description, resource } = VARS[name] as VarDeclaration;
      return [name, { required, description, ...(resource ? { resource } : {}) }];
    }),
  );
}
