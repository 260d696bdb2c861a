// The original tool's dev.ini into a deployment config. Sections and `use…` flags as the seed documents them: a
// flag that is False or absent ignores its section; [DEFAULT] values are inherited by every section (Python's
// configparser, which the original used); keys are case-insensitive and `key: value` lines are read as
// configparser reads them. Options this platform cannot honour (they belong to the stack, or are replaced by
// something better) and keys or sections the seed does not document are named, each with the reason; anything
// invalid is refused by the schema, field named. Unlike configparser, the ini library strips an inline `;`
// comment from a value and merges a section given twice.
import { thingNameOf, ValidationError } from "@fleet/shared-aws";
import { parse } from "ini";
import { ALARM_TOPICS } from "./alarm-config";
import { type DeploymentConfig, parseDeploymentConfig } from "./deployment-config";

type Section = Record<string, string>;

export interface DevIniInputs {
  /** Lines of the file `thingList` names (thing ARNs or names), when it could be read. */
  thingList?: string[] | undefined;
  /** The parsed file `jobDocPath` names, for jobDocSrcCfg = local_file. */
  localJobDocument?: Record<string, unknown> | undefined;
  /** The release to deploy; default: the version `./run ota release <binName>` gives binName. */
  release?: string | undefined;
}

export interface Conversion {
  config: DeploymentConfig;
  /** One line per option that cannot be honoured, naming it and why. */
  notHonoured: string[];
}

const STACK_ROLE = "the stack's OTA role is used, the only role its handlers may pass to IoT";

/** Options that belong to the stack or are replaced: their dev.ini spelling and why. */
const STACK_OPTIONS: [string, string][] = [
  ["bucket", "the firmware bucket is the stack's (FIRMWARE_BUCKET)"],
  ["region", "the region is the stack's"],
  ["debug", "log level is Powertools' POWERTOOLS_LOG_LEVEL"],
  ["iotApiSleepTime", "IoT calls are paced at the stack's per-API rates, not by fixed sleeps"],
  ["fileChunkSize", "hashes are computed streaming, in one pass, with no chunk size to choose"],
  ["fileChunckSize", "hashes are computed streaming, in one pass, with no chunk size to choose"],
  ["roleArn", STACK_ROLE],
];

/** Every key the seed documents, per section (lower case, as configparser compares them). */
const ABORT_KEYS = ["failuretype", "thresholdpercentage", "minnumberofexecutedthings"];
const KNOWN_KEYS: Record<string, string[]> = {
  DEFAULT: [
    "thinglist",
    "binname",
    "rolearn",
    "jobid",
    "rounds",
    "bucket",
    "cleanupcfg",
    "debug",
    "defaultdelay",
    "region",
    "streamid",
    "iotapisleeptime",
    "filechunksize",
    "filechuncksize",
    "targetselection",
    "usecustomjobdocument",
    "usepresignedurlconfig",
    "usejobexecutionsrolloutconfig",
    "useabortconfig",
    "usetimeoutconfig",
  ],
  CUSTOM_JOB_DOCUMENT: ["jobdocsrccfg", "jobdocsrcurl", "jobdocpath"],
  PRESIGNED_URL_CONFIG: ["rolearn", "expiresinsec"],
  JOB_EXECUTE_ROLLOUT_CONFIG: ["maximumperminute", "useexponentialratecfg"],
  EXP_RATE_CONFIG: ["baserateperminute", "incrementfactor", "userateincreasecriteria"],
  INCREASE_CRITERIA: ["numberofnotifiedthings", "numberofsucceededthings"],
  ABORT_CONFIG: ["useallsubsection", "usefailedsubsection", "userejectedsubsection", "usetimedoutsubsection"],
  ABORT_CONFIG_TYPE_ALL: ABORT_KEYS,
  ABORT_CONFIG_TYPE_FAILED: ABORT_KEYS,
  ABORT_CONFIG_TYPE_REJECTED: ABORT_KEYS,
  ABORT_CONFIG_TYPE_TIMED_OUT: ABORT_KEYS,
  TIMEOUT_CONFIG: ["inprogresstimeoutinminutes"],
  ALARM_CONFIG: ["alarmlist"],
};
/** [ALARM_CONFIG_<name>] for each name of alarmList. */
const ALARM_SECTION = "ALARM_CONFIG_";
const ALARM_KEYS = [
  "namespace",
  "metricname",
  "stat",
  "period",
  "threshold",
  "alarmtype",
  "evaluationperiods",
  "datapointstoalarm",
  "snstopics",
];

/** The version `./run ota release <file>` gives a file by default: its name without the extension. */
export const releaseVersionOf = (fileName: string) => fileName.replace(/^.*\//, "").replace(/\.[^.]*$/, "");

/** The files a dev.ini names, relative to it: the thing list and the local job document. */
export function referencedFiles(text: string): { thingList?: string; jobDocPath?: string } {
  const sections = readSections(text).sections;
  const document = { ...sections.DEFAULT, ...sections.CUSTOM_JOB_DOCUMENT };
  return {
    ...(sections.DEFAULT?.thinglist ? { thingList: sections.DEFAULT.thinglist } : {}),
    ...(document.jobdocpath ? { jobDocPath: document.jobdocpath } : {}),
  };
}

export function convertDevIni(text: string, inputs: DevIniInputs = {}): Conversion {
  const { sections, own } = readSections(text);
  const base = sections.DEFAULT ?? {};
  const notHonoured: string[] = unknownOptions(own);
  const problems: string[] = [];
  const section = (name: string, flag: string, owner: Section = base): Section | undefined => {
    const on = flagValue(owner, flag, problems);
    if (!on) return undefined;
    const found = sections[name];
    if (!found) problems.push(`[${name}]: ${flag} is True but the section is missing`);
    return found && { ...base, ...found };
  };

  for (const [key, reason] of STACK_OPTIONS) {
    if (base[key.toLowerCase()] !== undefined) notHonoured.push(`${key}: ${reason}`);
  }
  const config: Record<string, unknown> = {
    jobId: base.jobid,
    streamId: base.streamid,
    release: inputs.release ?? (base.binname ? releaseVersionOf(base.binname) : undefined),
    targets: targetsFrom(base, inputs, problems),
    targetSelection: base.targetselection,
    rounds: number(base.rounds),
    cleanUp: bool(base.cleanupcfg),
    delayBetweenRoundsSeconds: number(base.defaultdelay),
  };
  if (inputs.release === undefined) {
    notHonoured.push(
      base.binname
        ? `binName (${base.binname}): firmware is released first; this deploys release ${releaseVersionOf(base.binname)}, the version ./run ota release ${base.binname} gives it (pass --version for another)`
        : "binName: not given; pass --version to name the release to deploy",
    );
  }

  const documentSection = section("CUSTOM_JOB_DOCUMENT", "useCustomJobDocument");
  if (documentSection) config.document = documentFrom(documentSection, inputs, problems);

  const presigned = section("PRESIGNED_URL_CONFIG", "usePresignedUrlConfig");
  if (presigned) {
    // Its roleArn is the stack's OTA role too (named not honoured with the [DEFAULT] one).
    config.presignedUrl = { expiresInSec: number(presigned.expiresinsec) };
    if (sections.PRESIGNED_URL_CONFIG?.rolearn)
      notHonoured.push(`[PRESIGNED_URL_CONFIG] roleArn: ${STACK_ROLE}`);
  }

  const rolloutSection = section("JOB_EXECUTE_ROLLOUT_CONFIG", "useJobExecutionsRolloutConfig");
  if (rolloutSection) {
    const rollout: Record<string, unknown> = { maximumPerMinute: number(rolloutSection.maximumperminute) };
    const exp = section("EXP_RATE_CONFIG", "useExponentialRateCfg", rolloutSection);
    if (exp) {
      const criteria = section("INCREASE_CRITERIA", "useRateIncreaseCriteria", exp);
      if (!criteria) {
        notHonoured.push(
          "[EXP_RATE_CONFIG]: AWS requires rateIncreaseCriteria for an exponential rate; with useRateIncreaseCriteria off the rollout keeps maximumPerMinute only",
        );
      } else {
        rollout.exponentialRate = {
          baseRatePerMinute: number(exp.baserateperminute),
          incrementFactor: number(exp.incrementfactor),
          rateIncreaseCriteria: increaseCriteria(criteria, notHonoured),
        };
      }
    }
    config.rollout = rollout;
  }

  const abortSection = section("ABORT_CONFIG", "useAbortConfig");
  if (abortSection)
    config.abort = { criteriaList: abortCriteria(abortSection, section, notHonoured, problems) };

  const timeoutSection = section("TIMEOUT_CONFIG", "useTimeoutConfig");
  if (timeoutSection) {
    config.timeout = { inProgressTimeoutInMinutes: number(timeoutSection.inprogresstimeoutinminutes) };
  }
  const alarmNames = listOf(sections.ALARM_CONFIG?.alarmlist);
  if (alarmNames.length > 0) config.alarms = alarmsFrom(alarmNames, sections, base, notHonoured, problems);
  if (problems.length > 0) throw new ValidationError(problems, "dev.ini");
  try {
    return { config: parseDeploymentConfig(withoutUndefined(config)), notHonoured };
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(error.issues, "dev.ini");
    throw error;
  }
}

/** Keys and sections the seed does not document: named, not silently lost. */
function unknownOptions(own: Record<string, Section>): string[] {
  const listed = listOf(own.ALARM_CONFIG?.alarmlist).map((name) => `${ALARM_SECTION}${name}`);
  return Object.entries(own).flatMap(([name, keys]) => {
    const known = name.startsWith(ALARM_SECTION) ? ALARM_KEYS : KNOWN_KEYS[name];
    if (name.startsWith(ALARM_SECTION) && !listed.includes(name)) {
      return [`[${name}]: not named in [ALARM_CONFIG] alarmList; ignored`];
    }
    if (!known) return [`[${name}]: not a section the original tool reads; ignored`];
    return Object.keys(keys)
      .filter((key) => !known.includes(key))
      .map((key) => `[${name}] ${key}: not an option the original tool reads in this section; ignored`);
  });
}

/**
 * The sections with [DEFAULT] folded in as configparser does, and each section's own keys (for the check of
 * unknown keys). `key: value` lines become `key = value`: configparser splits at the first `=` or `:`.
 */
function readSections(text: string): { sections: Record<string, Section>; own: Record<string, Section> } {
  const parsed = parse(withEqualsDelimiters(text)) as Record<string, unknown>;
  const sections: Record<string, Section> = {};
  const own: Record<string, Section> = {};
  const lower = (record: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(record)
        .filter(([, v]) => typeof v !== "object")
        .map(([k, v]) => [k.toLowerCase(), String(v).trim()]),
    );
  // Keys before any section header and under [DEFAULT] are both defaults.
  sections.DEFAULT = lower(parsed);
  own.DEFAULT = sections.DEFAULT;
  for (const [name, value] of Object.entries(parsed)) {
    if (value && typeof value === "object") {
      own[name] = lower(value as Record<string, unknown>);
      sections[name] = { ...(name === "DEFAULT" ? sections.DEFAULT : {}), ...own[name] };
    }
  }
  own.DEFAULT = sections.DEFAULT;
  return { sections, own };
}

function withEqualsDelimiters(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => {
      if (/^\s*([;#[]|$)/.test(line)) return line;
      const colon = line.indexOf(":");
      const equals = line.indexOf("=");
      return colon >= 0 && (equals < 0 || colon < equals)
        ? `${line.slice(0, colon)}=${line.slice(colon + 1)}`
        : line;
    })
    .join("\n");
}

function targetsFrom(base: Section, inputs: DevIniInputs, problems: string[]): unknown {
  if (!inputs.thingList) {
    problems.push(`thingList: the file ${base.thinglist ?? "(not given)"} could not be read`);
    return undefined;
  }
  const entries = inputs.thingList.map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
  const groups = entries.filter((entry) => /:thinggroup\//.test(entry));
  if (groups.length === 1 && entries.length === 1) return { thingGroup: thingNameOf(groups[0] as string) };
  if (groups.length > 0) {
    problems.push("thingList: a group ARN must be the only line (mixing groups and things is not supported)");
  }
  return { things: entries.map(thingNameOf) };
}

function documentFrom(section: Section, inputs: DevIniInputs, problems: string[]): unknown {
  const source = section.jobdocsrccfg;
  if (source === "local_file") {
    if (!inputs.localJobDocument)
      problems.push(`jobDocPath: the file ${section.jobdocpath} could not be read as a JSON object`);
    return { inline: inputs.localJobDocument };
  }
  if (source === "url") {
    const url = section.jobdocsrcurl ?? "";
    const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
    return s3 ? { s3: { bucket: s3[1], key: s3[2] } } : { url };
  }
  problems.push(`jobDocSrcCfg: must be local_file or url, not ${JSON.stringify(source ?? "")}`);
  return undefined;
}

function increaseCriteria(section: Section, notHonoured: string[]): Record<string, unknown> {
  const notified = number(section.numberofnotifiedthings);
  const succeeded = number(section.numberofsucceededthings);
  if (notified !== undefined && succeeded !== undefined) {
    notHonoured.push(
      "[INCREASE_CRITERIA] numberOfSucceededThings: AWS takes one rate-increase criterion; numberOfNotifiedThings is kept",
    );
    return { numberOfNotifiedThings: notified };
  }
  return notified !== undefined
    ? { numberOfNotifiedThings: notified }
    : { numberOfSucceededThings: succeeded };
}

/** A comma-separated dev.ini list, blanks dropped. */
const listOf = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * The alarms alarmList names, each from its section. The seed's snsTopics are ARNs of the three topics its
 * template created (`arn:aws:sns:<region>:<aws-account-id>:<name>`): each becomes the stack's topic of that name
 * (whatever region and account the ARN gives), and any other topic is refused, so that an alarm never notifies
 * a topic outside the stack.
 */
function alarmsFrom(
  names: string[],
  sections: Record<string, Section>,
  base: Section,
  notHonoured: string[],
  problems: string[],
): unknown[] {
  const mapped = new Set<string>();
  const alarms = names.map((name) => {
    const found = sections[`${ALARM_SECTION}${name}`];
    if (!found) problems.push(`[${ALARM_SECTION}${name}]: named in alarmList but the section is missing`);
    const s = { ...base, ...found };
    const topics = listOf(s.snstopics).map((topic) => {
      const logical = topic.replace(/^arn:[^:]+:sns:[^:]*:[^:]*:/, "");
      if (!(ALARM_TOPICS as readonly string[]).includes(logical)) {
        problems.push(
          `[${ALARM_SECTION}${name}] snsTopics: ${topic} is not one of the stack's topics (${ALARM_TOPICS.join(", ")}); an alarm may notify only those`,
        );
      } else if (logical !== topic) mapped.add(`${topic} → ${logical}`);
      return logical;
    });
    return {
      name,
      namespace: s.namespace,
      metricName: s.metricname,
      stat: s.stat,
      period: number(s.period),
      threshold: number(s.threshold),
      alarmType: s.alarmtype,
      evaluationPeriods: number(s.evaluationperiods),
      datapointsToAlarm: number(s.datapointstoalarm),
      topics,
    };
  });
  if (mapped.size > 0) {
    notHonoured.push(
      `snsTopics: topic ARNs are not kept; each alarm notifies the stack's topic of the same name (${[...mapped].join("; ")})`,
    );
  }
  return alarms;
}

const ABORT_TYPES = [
  ["useAllSubsection", "ABORT_CONFIG_TYPE_ALL"],
  ["useFailedSubsection", "ABORT_CONFIG_TYPE_FAILED"],
  ["useRejectedSubsection", "ABORT_CONFIG_TYPE_REJECTED"],
  ["useTimedOutSubsection", "ABORT_CONFIG_TYPE_TIMED_OUT"],
] as const;

function abortCriteria(
  owner: Section,
  section: (name: string, flag: string, owner: Section) => Section | undefined,
  notHonoured: string[],
  problems: string[],
): unknown[] {
  const used = ABORT_TYPES.filter(([flag]) => flagValue(owner, flag, problems));
  // As the seed documents: with useAllSubsection the other subsections are ignored.
  const all = used.find(([flag]) => flag === "useAllSubsection");
  if (all) {
    for (const [, name] of used.filter((u) => u !== all)) {
      notHonoured.push(`[${name}]: ignored because useAllSubsection is True (as the original documents)`);
    }
  }
  return (all ? [all] : used).map(([flag, name]) => {
    const s = section(name, flag, owner) ?? {};
    return {
      failureType: s.failuretype,
      thresholdPercentage: number(s.thresholdpercentage),
      minNumberOfExecutedThings: number(s.minnumberofexecutedthings),
    };
  });
}

const TRUE = new Set(["true", "yes", "on", "1"]);
const FALSE = new Set(["false", "no", "off", "0"]);

function flagValue(owner: Section, flag: string, problems: string[]): boolean {
  const value = owner[flag.toLowerCase()];
  if (value === undefined || FALSE.has(value.toLowerCase())) return false;
  if (TRUE.has(value.toLowerCase())) return true;
  problems.push(`${flag}: must be True or False, not ${JSON.stringify(value)}`);
  return false;
}

/** A number where the text is one; the text itself otherwise, so the schema names the field. */
function number(value: string | undefined): number | string | undefined {
  if (value === undefined || value === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

function bool(value: string | undefined): boolean | string | undefined {
  if (value === undefined) return undefined;
  if (TRUE.has(value.toLowerCase())) return true;
  if (FALSE.has(value.toLowerCase())) return false;
  return value;
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    );
  }
  return value;
}
