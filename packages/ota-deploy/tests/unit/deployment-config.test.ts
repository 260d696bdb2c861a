// Every range of the deployment config at its boundaries: the last value inside is accepted, the first outside
// refused with the field named and its allowed range.

import { ValidationError } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import { parseDeploymentConfig } from "../../src/core/deployment-config";

const ROLE = "arn:aws:iam::123456789012:role/ota";
const base = { jobId: "fw1", streamId: "fw1-stream", release: "1.0.0", targets: { things: ["dev1"] } };

/** Sets `value` at a dotted path of a copy of `config`. */
function withValue(config: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(config);
  const keys = path.split(".");
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = value;
  return copy;
}

const issuesOf = (config: unknown): string[] => {
  try {
    parseDeploymentConfig(config);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
};

const full = {
  ...base,
  presignedUrl: { roleArn: ROLE, expiresInSec: 3600 },
  rollout: {
    maximumPerMinute: 1000,
    exponentialRate: {
      baseRatePerMinute: 10,
      incrementFactor: 2,
      rateIncreaseCriteria: { numberOfNotifiedThings: 5 },
    },
  },
  abort: { criteriaList: [{ failureType: "ALL", thresholdPercentage: 10, minNumberOfExecutedThings: 1 }] },
  timeout: { inProgressTimeoutInMinutes: 60 },
  retry: { criteriaList: [{ failureType: "FAILED", numberOfRetries: 1 }] },
  alarms: [
    {
      name: "DownloadTimeUpperLimitAlarm",
      metricName: "downloadTime",
      stat: "p99",
      period: 60,
      threshold: 3600,
      alarmType: "upper",
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      topics: ["email-notification", "ota-force-stopper"],
    },
  ],
};

// [field, lowest valid, highest valid, below, above, what the message says, sibling fields the boundaries need]
type Range = [string, number, number, number, number, string, Record<string, number>?];
const RANGES: Range[] = [
  ["presignedUrl.expiresInSec", 60, 3600, 59, 3601, "from 60 to 3600"],
  [
    "rollout.maximumPerMinute",
    1,
    1000,
    0,
    1001,
    "from 1 to 1000",
    { "rollout.exponentialRate.baseRatePerMinute": 1 },
  ],
  ["rollout.exponentialRate.baseRatePerMinute", 1, 1000, 0, 1001, "from 1 to 1000"],
  ["rollout.exponentialRate.incrementFactor", 1.1, 5, 1.0, 5.1, "from 1.1 to 5.0"],
  [
    "rollout.exponentialRate.rateIncreaseCriteria.numberOfNotifiedThings",
    1,
    1_000_000,
    0,
    1_000_001,
    "from 1 to 1000000",
  ],
  ["abort.criteriaList.0.thresholdPercentage", 0.01, 100, 0, 100.01, "above 0 and at most 100"],
  ["abort.criteriaList.0.minNumberOfExecutedThings", 1, 1_000_000, 0, 1_000_001, "from 1 to 1000000"],
  ["timeout.inProgressTimeoutInMinutes", 1, 10080, 0, 10081, "from 1 to 10080"],
  ["retry.criteriaList.0.numberOfRetries", 0, 10, -1, 11, "from 0 to 10"],
  [
    "alarms.0.period",
    60,
    86400,
    0,
    86460,
    "from 60 to 86400",
    { "alarms.0.evaluationPeriods": 1, "alarms.0.datapointsToAlarm": 1 },
  ],
  ["alarms.0.evaluationPeriods", 1, 1440, 0, 1441, "from 1 to 1440", { "alarms.0.datapointsToAlarm": 1 }],
  ["fileId", 0, 255, -1, 256, "from 0 to 255"],
  ["rounds", 1, 40, 0, 41, "from 1 to 40"],
  ["delayBetweenRoundsSeconds", 0, 86400, -1, 86401, "from 0 to 86400"],
  // A week's deadline fits Step Functions' history only with long polls (see the execution limits below).
  ["roundDeadlineMinutes", 1, 10080, 0, 10081, "from 1 to 10080", { maxPollSeconds: 3600 }],
  ["pollSeconds", 1, 3600, 0, 3601, "from 1 to 3600", { maxPollSeconds: 3600 }],
  ["maxPollSeconds", 1, 3600, 0, 3601, "from 1 to 3600", { pollSeconds: 1, roundDeadlineMinutes: 10 }],
];

describe("deployment config ranges", () => {
  it.each(RANGES)(
    "%s accepts %p and %p, refuses %p and %p naming the field and range",
    (path, low, high, below, above, range, siblings = {}) => {
      const config = Object.entries(siblings).reduce(
        (c, [sibling, value]) => withValue(c, sibling, value),
        full as Record<string, unknown>,
      );
      expect(issuesOf(withValue(config, path, low))).toEqual([]);
      expect(issuesOf(withValue(config, path, high))).toEqual([]);
      for (const bad of [below, above]) {
        // A cross-field rule may add its own line about the same value; the range line is always there.
        const issues = issuesOf(withValue(config, path, bad));
        expect(issues).toContainEqual(
          expect.stringMatching(new RegExp(`^${path.replace(/\./g, "\\.")}: .*${range}`)),
        );
      }
    },
  );

  it("refuses rounds × polls past Step Functions' 25,000 history events, naming maxPollSeconds", () => {
    // One week with polls of at most 5 minutes: over 2,000 polls of 11 events each.
    expect(issuesOf({ ...base, roundDeadlineMinutes: 10080, maxPollSeconds: 300 })).toEqual([
      expect.stringMatching(/^maxPollSeconds: .*history events.*25,000/),
    ]);
    expect(issuesOf({ ...base, rounds: 40, roundDeadlineMinutes: 600, maxPollSeconds: 300 })).toEqual([
      expect.stringMatching(/^maxPollSeconds: /),
    ]);
    expect(issuesOf({ ...base, rounds: 40, roundDeadlineMinutes: 120 })).toEqual([]);
  });

  it("refuses rounds whose deadlines add up past the execution's timeout, naming roundDeadlineMinutes", () => {
    expect(issuesOf({ ...base, rounds: 3, roundDeadlineMinutes: 10080, maxPollSeconds: 3600 })).toEqual([
      expect.stringMatching(
        /^roundDeadlineMinutes: rounds × .* more than the \d+ s the deploy state machine's 1728000 s timeout/,
      ),
    ]);
    expect(issuesOf({ ...base, rounds: 2, roundDeadlineMinutes: 10080, maxPollSeconds: 3600 })).toEqual([]);
  });

  it("takes the stack's default deadline and refuses one above the stack's maximum", () => {
    const bounds = { defaultMinutes: 30, maxMinutes: 240 };
    expect(parseDeploymentConfig(base, bounds).roundDeadlineMinutes).toBe(30);
    expect(parseDeploymentConfig({ ...base, roundDeadlineMinutes: 240 }, bounds).roundDeadlineMinutes).toBe(
      240,
    );
    expect(() => parseDeploymentConfig({ ...base, roundDeadlineMinutes: 241 }, bounds)).toThrow(
      "roundDeadlineMinutes: must be at most 240 on this stack (MAX_ROUND_DEADLINE_MINUTES)",
    );
  });

  it("refuses a retry criterion that names its failureType twice", () => {
    const twice = {
      criteriaList: [
        { failureType: "FAILED", numberOfRetries: 1 },
        { failureType: "FAILED", numberOfRetries: 2 },
      ],
    };
    expect(issuesOf({ ...base, retry: twice })).toEqual([
      expect.stringMatching(/^retry\.criteriaList: names a failureType twice/),
    ]);
  });

  it("takes targets as thing names or thing ARNs", () => {
    const arn = "arn:aws:iot:eu-west-1:123456789012:thing/dev-1";
    expect(parseDeploymentConfig({ ...base, targets: { things: [arn, "dev-2"] } }).targets).toEqual({
      things: [arn, "dev-2"],
    });
    expect(issuesOf({ ...base, targets: { things: ["a/b"] } })).toEqual([
      expect.stringMatching(/^targets\.things\.0: must be a thing name .* or a thing ARN/),
    ]);
  });

  it("takes names up to their AWS lengths (a job id leaves room for -r<round>), no longer", () => {
    const jobId = `a${"b".repeat(57)}`;
    const streamId = "s".repeat(128);
    expect(issuesOf({ ...base, jobId, streamId })).toEqual([]);
    expect(issuesOf({ ...base, jobId: `${jobId}c`, streamId: `${streamId}t` })).toEqual([
      expect.stringMatching(/^jobId: must be 1-58 /),
      expect.stringMatching(/^streamId: must be 1-128 /),
    ]);
    expect(issuesOf({ ...base, targets: { things: ["t".repeat(129)] } })).toEqual([
      expect.stringMatching(/^targets\.things\.0: must be a thing name \(1-128 /),
    ]);
  });

  it("refuses a factor with two decimals and a threshold with three", () => {
    expect(issuesOf(withValue(full, "rollout.exponentialRate.incrementFactor", 1.55))).toEqual([
      expect.stringContaining("rollout.exponentialRate.incrementFactor: must have at most one decimal"),
    ]);
    expect(issuesOf(withValue(full, "abort.criteriaList.0.thresholdPercentage", 10.999))).toEqual([
      expect.stringContaining("at most two decimals"),
    ]);
    expect(issuesOf(withValue(full, "abort.criteriaList.0.thresholdPercentage", 10.99))).toEqual([]);
  });

  it("fills the original tool's defaults", () => {
    const config = parseDeploymentConfig(base);
    expect(config).toMatchObject({
      targetSelection: "SNAPSHOT",
      rounds: 1,
      cleanUp: true,
      delayBetweenRoundsSeconds: 5,
    });
    expect(
      parseDeploymentConfig({ ...base, presignedUrl: { roleArn: ROLE } }).presignedUrl?.expiresInSec,
    ).toBe(3600);
  });

  it("refuses combinations AWS or the rounds would refuse, naming the field", () => {
    expect(issuesOf({ ...base, rounds: 3, cleanUp: false })).toEqual([
      expect.stringContaining("cleanUp: must be true when rounds > 1"),
    ]);
    expect(issuesOf({ ...base, rounds: 2, targetSelection: "CONTINUOUS" })).toEqual([
      expect.stringContaining("targetSelection"),
    ]);
    expect(
      issuesOf(withValue(full, "rollout.exponentialRate.rateIncreaseCriteria.numberOfSucceededThings", 3)),
    ).toEqual([
      expect.stringContaining("give exactly one of numberOfNotifiedThings, numberOfSucceededThings"),
    ]);
    expect(
      issuesOf(
        withValue(full, "abort.criteriaList", [
          { failureType: "FAILED", thresholdPercentage: 5, minNumberOfExecutedThings: 1 },
          { failureType: "FAILED", thresholdPercentage: 6, minNumberOfExecutedThings: 1 },
        ]),
      ),
    ).toEqual([expect.stringContaining("names a failureType twice")]);
    expect(
      issuesOf(
        withValue(full, "retry.criteriaList", [
          { failureType: "TIMED_OUT", numberOfRetries: 6 },
          { failureType: "FAILED", numberOfRetries: 5 },
        ]),
      ),
    ).toEqual([expect.stringContaining("numberOfRetries may add up to at most 10")]);
    expect(
      issuesOf({ ...base, retry: { criteriaList: [{ failureType: "TIMED_OUT", numberOfRetries: 1 }] } }),
    ).toEqual([expect.stringContaining("needs timeout.inProgressTimeoutInMinutes")]);
    expect(issuesOf(withValue(full, "rollout.maximumPerMinute", 5))).toEqual([
      expect.stringContaining("baseRatePerMinute: must be at most rollout.maximumPerMinute"),
    ]);
  });

  it("refuses bad names, unknown fields and every bad field at once", () => {
    const issues = issuesOf({
      ...base,
      jobId: "bad job",
      streamId: "",
      targets: { things: [] },
      targetselection: "SNAPSHOT",
    });
    expect(issues.join("\n")).toMatch(/jobId/);
    expect(issues.join("\n")).toMatch(/streamId/);
    expect(issues.join("\n")).toMatch(/targets/);
    expect(issues.join("\n")).toMatch(/targetselection/);
  });

  it("takes targets as things, a group or a list in the bucket, and a document inline, in S3 or at a URL", () => {
    for (const targets of [
      { things: ["a", "b"] },
      { thingGroup: "fleet" },
      { thingListKey: "lists/all.txt" },
    ]) {
      expect(issuesOf({ ...base, targets })).toEqual([]);
    }
    for (const document of [
      { inline: { a: 1 } },
      { s3: { key: "docs/job.json" } },
      { url: "https://docs.example.com/job.json" },
    ]) {
      expect(issuesOf({ ...base, document })).toEqual([]);
    }
    expect(issuesOf({ ...base, document: { url: "http://docs.example.com/job.json" } })).toEqual([
      expect.stringContaining("document"),
    ]);
  });
});

describe("deployment config alarms (dev.ini ALARM_CONFIG)", () => {
  const alarm = full.alarms[0] as Record<string, unknown>;
  const withAlarm = (changes: Record<string, unknown>) => ({ ...base, alarms: [{ ...alarm, ...changes }] });

  it("takes CloudWatch's statistics and percentiles p0.0 to p100, and the job-execution namespace by default", () => {
    for (const stat of [
      "SampleCount",
      "Average",
      "Sum",
      "Minimum",
      "Maximum",
      "p0.0",
      "p50",
      "p99.9",
      "p99.99",
      "p100",
    ]) {
      expect(issuesOf(withAlarm({ stat }))).toEqual([]);
    }
    expect(parseDeploymentConfig(withAlarm({})).alarms?.[0]?.namespace).toBe("IoT:OTA:JobExecution");
    for (const stat of ["p100.1", "p101", "avg", "P99", "p99.999", "p"]) {
      expect(issuesOf(withAlarm({ stat }))).toEqual([
        expect.stringMatching(
          /^alarms\.0\.stat: must be SampleCount, Average, Sum, Minimum, Maximum or a percentile/,
        ),
      ]);
    }
  });

  it("refuses a period that is not a multiple of 60, M above N, and a window longer than a day, naming the field", () => {
    expect(issuesOf(withAlarm({ period: 90 }))).toEqual([
      "alarms.0.period: must be a multiple of 60 seconds",
    ]);
    expect(issuesOf(withAlarm({ evaluationPeriods: 2, datapointsToAlarm: 3 }))).toEqual([
      "alarms.0.datapointsToAlarm: must be at most evaluationPeriods (M out of N: M ≤ N)",
    ]);
    expect(issuesOf(withAlarm({ period: 3600, evaluationPeriods: 24 }))).toEqual([]);
    expect(issuesOf(withAlarm({ period: 3600, evaluationPeriods: 25 }))).toEqual([
      expect.stringMatching(
        /^alarms\.0\.evaluationPeriods: period × evaluationPeriods is 90000 s, more than a day/,
      ),
    ]);
  });

  it("takes only the stack's three topics by name: never an ARN, another topic, or one twice", () => {
    for (const topics of [["arn:aws:sns:eu-west-1:210987654321:theirs"], ["billing-alerts"]]) {
      expect(issuesOf(withAlarm({ topics }))).toEqual([expect.stringMatching(/^alarms\.0\.topics\.0: /)]);
    }
    expect(issuesOf(withAlarm({ topics: [] }))).toEqual([
      "alarms.0.topics: must name at least one of the stack's topics",
    ]);
    expect(issuesOf(withAlarm({ topics: ["sms-notification", "sms-notification"] }))).toEqual([
      "alarms.0.topics: names a topic twice",
    ]);
  });

  it("refuses an alarm named twice, more than ten alarms, a bad name, an unknown field and a threshold that is no number", () => {
    expect(issuesOf({ ...base, alarms: [alarm, alarm] })).toEqual(["alarms: names an alarm twice"]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ ...alarm, name: `a${i}` }));
    expect(issuesOf({ ...base, alarms: eleven })).toEqual(["alarms: takes at most 10 alarms"]);
    const issues = issuesOf(withAlarm({ name: "bad name", unit: "Seconds", threshold: "3600" }));
    expect(issues).toContainEqual(expect.stringMatching(/^alarms\.0\.name: must be 1-64 letters/));
    expect(issues).toContainEqual(expect.stringMatching(/^alarms\.0.*unit/));
    expect(issues).toContainEqual(expect.stringMatching(/^alarms\.0\.threshold: /));
  });
});
