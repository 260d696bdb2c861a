// The `component` map of a stack's fleet:otaDeploy block, checked before any resource is created.
/**
 * The block's `component` map: what the stack decides about the component beyond its handlers' settings (the
 * round deadlines are plan-deployment's settings, DEFAULT_/MAX_ROUND_DEADLINE_MINUTES).
 */
export interface OtaDeployComponentConfig {
  /** Create the signing key and sign releases when asked (default false). */
  signing: boolean;
  /**
   * The firmware bucket's lifecycle: days a replaced or deleted object version is kept (default 30). Firmware
   * keys are written once, so a release's pinned version stays current unless someone deletes it.
   */
  noncurrentVersionDays: number;
  /** E-mail addresses subscribed to the email-notification topic (default none). */
  notifyEmails: string[];
  /** Phone numbers (E.164, e.g. +4915112345678) subscribed to the sms-notification topic (default none). */
  notifySms: string[];
  /** How often the Scheduler schedule runs the deployer: an EventBridge Scheduler `rate(...)` (default 5 minutes). */
  scheduleRate: string;
}

const DEFAULTS: OtaDeployComponentConfig = {
  signing: false,
  noncurrentVersionDays: 30,
  notifyEmails: [],
  notifySms: [],
  scheduleRate: "rate(5 minutes)",
};
const SHAPE =
  "fleet:otaDeploy.component must be {signing: true|false, noncurrentVersionDays?: 1-36500, notifyEmails?: [e-mail addresses], notifySms?: [E.164 phone numbers], scheduleRate?: rate(<n> minute(s)|hour(s)|day(s))}";
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
/** EventBridge Scheduler's rate expression: a positive whole number and its unit, singular for 1 only. */
const RATE = /^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/;
const listOf = (value: unknown, pattern: RegExp) =>
  Array.isArray(value) &&
  new Set(value).size === value.length &&
  value.every((item) => typeof item === "string" && pattern.test(item));

export function otaDeployComponentConfig(raw: unknown): OtaDeployComponentConfig {
  if (raw === undefined) return DEFAULTS;
  const config = { ...DEFAULTS, ...(raw as Partial<OtaDeployComponentConfig>) };
  if (
    typeof raw !== "object" ||
    raw === null ||
    Object.keys(raw).some((k) => !(k in DEFAULTS)) ||
    typeof config.signing !== "boolean" ||
    !Number.isInteger(config.noncurrentVersionDays) ||
    config.noncurrentVersionDays < 1 ||
    config.noncurrentVersionDays > 36_500 ||
    !listOf(config.notifyEmails, EMAIL) ||
    !listOf(config.notifySms, E164) ||
    typeof config.scheduleRate !== "string" ||
    !RATE.test(config.scheduleRate)
  ) {
    throw new Error(`Invalid stack configuration: ${SHAPE}`);
  }
  return config;
}
