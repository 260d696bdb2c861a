// The stack's configuration (Pulumi.<stack>.yaml), read once and checked as a whole: every problem is
// reported together, before any resource exists.
import * as pulumi from "@pulumi/pulumi";

/** Handler settings of one domain, keyed by the environment variable its handlers read. */
export interface DomainSettings {
  /** Per-API rates in operations per second. */
  rates: Record<string, number>;
  /** Other handler settings (keys, concurrency), passed to the handlers as strings. */
  settings: Record<string, string | number>;
}

export interface StackConfig {
  region: string;
  logRetentionDays: number;
  alertEmail: string;
  tags: Record<string, string>;
  jobsTargeting: DomainSettings;
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Reads the stack's config; throws one error naming every missing or malformed key. */
export function readStackConfig(): StackConfig {
  const project = new pulumi.Config();
  return parseStackConfig({
    region: new pulumi.Config("aws").get("region"),
    logRetentionDays: project.getNumber("logRetentionDays"),
    alertEmail: project.get("alertEmail"),
    tags: project.getObject("tags"),
    jobsTargeting: project.getObject("jobsTargeting"),
  });
}

export function parseStackConfig(raw: Record<keyof StackConfig, unknown>): StackConfig {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  check(
    typeof raw.region === "string" && /^[a-z]{2}(-[a-z]+)+-\d$/.test(raw.region),
    "aws:region must be an AWS region, e.g. eu-west-1",
  );
  check(typeof raw.logRetentionDays === "number", "fleet:logRetentionDays must be a number of days");
  check(
    typeof raw.alertEmail === "string" && raw.alertEmail !== "",
    "fleet:alertEmail must be an e-mail address",
  );
  check(
    isRecord(raw.tags) &&
      Object.entries(raw.tags).every(
        ([key, value]) =>
          typeof value === "string" && key.length <= 128 && value.length <= 256 && !key.startsWith("aws:"),
      ),
    "fleet:tags must map tag keys (at most 128 characters, not starting with aws:) to strings of at most 256",
  );
  problems.push(...domainProblems("fleet:jobsTargeting", raw.jobsTargeting));
  if (problems.length > 0) throw new Error(`Invalid stack configuration: ${problems.join("; ")}`);
  return raw as unknown as StackConfig;
}

function domainProblems(key: string, value: unknown): string[] {
  if (!isRecord(value) || !isRecord(value.rates) || !isRecord(value.settings)) {
    return [`${key} must have the maps \`rates\` and \`settings\``];
  }
  return [
    ...Object.entries(value.rates)
      .filter(([name, rate]) => !ENV_NAME.test(name) || typeof rate !== "number" || !(rate > 0))
      .map(
        ([name, rate]) =>
          `${key}.rates.${name} must be a positive number under an UPPER_CASE name, got ${JSON.stringify(rate)}`,
      ),
    ...Object.entries(value.settings)
      .filter(
        ([name, setting]) =>
          !ENV_NAME.test(name) ||
          !(typeof setting === "number" || (typeof setting === "string" && setting !== "")),
      )
      .map(
        ([name, setting]) =>
          `${key}.settings.${name} must be a non-empty string or a number under an UPPER_CASE name, got ${JSON.stringify(setting)}`,
      ),
  ];
}
