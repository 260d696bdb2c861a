// The stack's configuration (Pulumi.<stack>.yaml), read once and checked as a whole: every problem is
// reported together, before any resource exists. Platform keys are named here; every other `fleet:` key is a
// domain's block (`fleet:<domain>`, e.g. `fleet:jobsTargeting`), all read and checked by the same function.
import * as pulumi from "@pulumi/pulumi";
import { isRecord } from "./records";

/** Handler settings of one domain, keyed by the environment variable its handlers read. */
export interface DomainSettings {
  /** Per-API rates in operations per second. */
  rates: Record<string, number>;
  /** Other handler settings (keys, concurrency), passed to the handlers as strings. */
  settings: Record<string, string | number>;
  /** What the stack decides about the component beyond its handlers' settings; the component checks it. */
  component?: Record<string, unknown>;
}

export interface StackConfig {
  region: string;
  logRetentionDays: number;
  alertEmail: string;
  tags: Record<string, string>;
  /** Every domain's block, by its key in the `fleet` namespace. */
  domains: Record<string, DomainSettings>;
}

type RawStackConfig = Omit<Record<keyof StackConfig, unknown>, "domains"> & {
  domains: Record<string, unknown>;
};

export const PROJECT = "fleet";
/** Keys of the platform; `deployment` is read by deployment.ts (how the stack is deployed). */
export const PLATFORM_KEYS = ["logRetentionDays", "alertEmail", "tags", "deployment"];
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
/** A domain's block: its handlers' rates and settings, and its component's own decisions. */
const DOMAIN_BLOCK_KEYS = ["rates", "settings", "component"];

/** Reads the stack's config; throws one error naming every missing or malformed key. */
export function readStackConfig(): StackConfig {
  const project = new pulumi.Config(PROJECT);
  const domainKeys = Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(`${PROJECT}:`))
    .map((key) => key.slice(PROJECT.length + 1))
    .filter((key) => !PLATFORM_KEYS.includes(key));
  return parseStackConfig({
    region: new pulumi.Config("aws").get("region"),
    logRetentionDays: project.getNumber("logRetentionDays"),
    alertEmail: project.get("alertEmail"),
    tags: project.getObject("tags"),
    domains: Object.fromEntries(domainKeys.map((key) => [key, project.getObject(key)])),
  });
}

export function parseStackConfig(raw: RawStackConfig): StackConfig {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  check(
    typeof raw.region === "string" && /^[a-z]{2}(-[a-z]+)+-\d$/.test(raw.region),
    "aws:region must be an AWS region, e.g. eu-west-1",
  );
  check(typeof raw.logRetentionDays === "number", `${PROJECT}:logRetentionDays must be a number of days`);
  check(
    typeof raw.alertEmail === "string" && raw.alertEmail !== "",
    `${PROJECT}:alertEmail must be an e-mail address`,
  );
  check(
    isRecord(raw.tags) &&
      Object.entries(raw.tags).every(
        ([key, value]) =>
          typeof value === "string" && key.length <= 128 && value.length <= 256 && !key.startsWith("aws:"),
      ),
    `${PROJECT}:tags must map tag keys (at most 128 characters, not starting with aws:) to strings of at most 256`,
  );
  for (const [key, block] of Object.entries(raw.domains)) problems.push(...domainProblems(key, block));
  if (problems.length > 0) throw new Error(`Invalid stack configuration: ${problems.join("; ")}`);
  return raw as unknown as StackConfig;
}

/** The block of the domain whose key is `key`; a stack without one cannot deploy that domain. */
export function domainSettings(config: StackConfig, key: string): DomainSettings {
  const settings = config.domains[key];
  if (!settings) {
    throw new Error(
      `Invalid stack configuration: ${PROJECT}:${key} is missing (rates and settings of that domain's handlers)`,
    );
  }
  return settings;
}

function domainProblems(key: string, value: unknown): string[] {
  const name = `${PROJECT}:${key}`;
  if (!isRecord(value) || !isRecord(value.rates) || !isRecord(value.settings)) {
    return [`${name} must have the maps \`rates\` and \`settings\``];
  }
  return [
    ...Object.keys(value)
      .filter((key) => !DOMAIN_BLOCK_KEYS.includes(key))
      .map((key) => `${name}.${key} is not a key of a domain's block (${DOMAIN_BLOCK_KEYS.join(", ")})`),
    ...(value.component === undefined || isRecord(value.component)
      ? []
      : [`${name}.component must be a map, got ${JSON.stringify(value.component)}`]),
    ...Object.entries(value.rates)
      .filter(([variable, rate]) => !ENV_NAME.test(variable) || typeof rate !== "number" || !(rate > 0))
      .map(
        ([variable, rate]) =>
          `${name}.rates.${variable} must be a positive number under an UPPER_CASE name, got ${JSON.stringify(rate)}`,
      ),
    ...Object.entries(value.settings)
      .filter(
        ([variable, setting]) =>
          !ENV_NAME.test(variable) ||
          !(typeof setting === "number" || (typeof setting === "string" && setting !== "")),
      )
      .map(
        ([variable, setting]) =>
          `${name}.settings.${variable} must be a non-empty string or a number under an UPPER_CASE name, got ${JSON.stringify(setting)}`,
      ),
  ];
}
