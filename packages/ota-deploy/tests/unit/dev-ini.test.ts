// The converter over the seed's own dev.ini and its variants: flags off, sections missing, bad values.
import { readFileSync } from "node:fs";
import { ValidationError } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import { convertDevIni } from "../../src/core/dev-ini";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const SEED_INI = fixture("dev.ini");
const THINGS = fixture("thingsList.txt").split("\n");
const JOB_DOC = JSON.parse(fixture("job_temp.json"));

/** The seed's dev.ini with its placeholders filled in, as a user would. */
const filled = SEED_INI.replace("<yourJobId>", "stressJob")
  .replace("<yourSteamId>", "stressStream")
  .replace("arn:aws:iam::12345678:role/<your_role>", "arn:aws:iam::123456789012:role/ota")
  .replace("arn:aws:iam::123456789:role/<your_signing_role>", "arn:aws:iam::123456789012:role/signing");

const inputs = { thingList: THINGS, localJobDocument: JOB_DOC, release: "1.0.0" };
const issuesOf = (text: string, given = inputs): string[] => {
  try {
    convertDevIni(text, given);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
};
const setFlag = (text: string, flag: string, value: string) =>
  text.replace(new RegExp(`^${flag} = .*$`, "m"), `${flag} = ${value}`);
const dropSection = (text: string, section: string) => text.replace(new RegExp(`\\[${section}\\][^[]*`), "");

describe("convertDevIni", () => {
  it("refuses the seed's dev.ini as shipped, naming each placeholder it still holds", () => {
    const issues = issuesOf(SEED_INI).join("\n");
    expect(issues).toMatch(/^jobId: /m);
    expect(issues).toMatch(/^streamId: /m);
  });

  it("converts the seed's dev.ini with its placeholders filled, every section its flag turns on", () => {
    const { config, notHonoured } = convertDevIni(filled, inputs);
    expect(config).toEqual({
      jobId: "stressJob",
      streamId: "stressStream",
      release: "1.0.0",
      targets: { things: ["device1", "device2"] },
      targetSelection: "SNAPSHOT",
      rounds: 34,
      cleanUp: true,
      delayBetweenRoundsSeconds: 5,
      roundDeadlineMinutes: 120,
      pollSeconds: 10,
      maxPollSeconds: 300,
      alarms: [
        {
          name: "DownloadTimeUpperLimitAlarm",
          namespace: "IoT:OTA:JobExecution",
          metricName: "downloadTime",
          stat: "p99",
          period: 60,
          threshold: 3600,
          alarmType: "upper",
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          topics: ["email-notification", "sms-notification"],
        },
        {
          name: "DownloadTimeLowerLimitAlarm",
          namespace: "IoT:OTA:JobExecution",
          metricName: "downloadTime",
          stat: "p99",
          period: 60,
          threshold: 100,
          alarmType: "lower",
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          topics: ["ota-force-stopper"],
        },
      ],
    });
    expect(notHonoured.join("\n")).toMatch(/bucket: .*stack/);
    expect(notHonoured.join("\n")).toMatch(/region: /);
    expect(notHonoured.join("\n")).toMatch(/iotApiSleepTime: .*paced/);
    expect(notHonoured.join("\n")).toMatch(/fileChunckSize: /);
    expect(notHonoured.join("\n")).toMatch(/debug: /);
    // The seed's topic ARNs (placeholders for region and account) become the stack's topics of those names.
    expect(notHonoured).toContainEqual(
      expect.stringMatching(/^snsTopics: topic ARNs are not kept; .*:ota-force-stopper → ota-force-stopper/),
    );
    // A deployed stack passes only its own OTA role to IoT: the seed's role is named, not converted.
    expect(notHonoured).toContainEqual(expect.stringMatching(/^roleArn: the stack's OTA role is used/));
    // The seed's own file holds only documented options: nothing else is reported.
    expect(
      notHonoured.filter((line) => line.includes("not an option") || line.includes("not a section")),
    ).toEqual([]);
  });

  it("reads every optional section when its flag is True", () => {
    let text = filled;
    for (const flag of [
      "useCustomJobDocument",
      "usePresignedUrlConfig",
      "useJobExecutionsRolloutConfig",
      "useAbortConfig",
      "useTimeoutConfig",
    ]) {
      text = setFlag(text, flag, "True");
    }
    const { config, notHonoured } = convertDevIni(text, inputs);
    expect(config.document).toEqual({ inline: JOB_DOC });
    expect(config.presignedUrl).toEqual({ expiresInSec: 3600 });
    expect(notHonoured).toContainEqual(
      expect.stringMatching(/^\[PRESIGNED_URL_CONFIG\] roleArn: the stack's OTA role/),
    );
    expect(config.rollout).toEqual({
      maximumPerMinute: 100,
      exponentialRate: {
        baseRatePerMinute: 100,
        incrementFactor: 2,
        rateIncreaseCriteria: { numberOfNotifiedThings: 15 },
      },
    });
    // AWS takes one increase criterion: the seed gives two, the second is named.
    expect(notHonoured).toContainEqual(expect.stringContaining("numberOfSucceededThings"));
    // useAllSubsection: only ALL, as the seed documents.
    expect(config.abort).toEqual({
      criteriaList: [
        { failureType: "ALL", action: "CANCEL", thresholdPercentage: 11, minNumberOfExecutedThings: 1 },
      ],
    });
    expect(config.timeout).toEqual({ inProgressTimeoutInMinutes: 60 });
  });

  it("takes the per-type abort subsections when useAllSubsection is off, and names the others as ignored when on", () => {
    let text = setFlag(filled, "useAbortConfig", "True");
    text = setFlag(text, "useAllSubsection", "False");
    text = setFlag(text, "useFailedSubsection", "True");
    text = setFlag(text, "useTimedOutSubsection", "True");
    expect(
      convertDevIni(text, inputs).config.abort?.criteriaList.map((c) => [
        c.failureType,
        c.thresholdPercentage,
      ]),
    ).toEqual([
      ["FAILED", 13],
      ["TIMED_OUT", 14],
    ]);
    const both = setFlag(text, "useAllSubsection", "True");
    expect(convertDevIni(both, inputs).notHonoured).toContainEqual(
      expect.stringContaining("[ABORT_CONFIG_TYPE_FAILED]: ignored"),
    );
  });

  it("ignores a section whose flag is off or absent, even when the section is missing", () => {
    const text = dropSection(dropSection(filled, "TIMEOUT_CONFIG"), "ABORT_CONFIG");
    const { config } = convertDevIni(text.replace(/^useTimeoutConfig = .*\n/m, ""), inputs);
    expect(config.timeout).toBeUndefined();
    expect(config.abort).toBeUndefined();
  });

  it("refuses a flag set True whose section is missing, and a flag that is not a boolean", () => {
    const missing = dropSection(setFlag(filled, "useTimeoutConfig", "True"), "TIMEOUT_CONFIG");
    expect(issuesOf(missing)).toContainEqual(
      expect.stringContaining("[TIMEOUT_CONFIG]: useTimeoutConfig is True but the section is missing"),
    );
    expect(issuesOf(setFlag(filled, "useAbortConfig", "maybe"))).toContainEqual(
      expect.stringContaining("useAbortConfig: must be True or False"),
    );
  });

  it("keeps only maximumPerMinute when the exponential rate has no increase criteria (AWS requires one), and says so", () => {
    let text = setFlag(filled, "useJobExecutionsRolloutConfig", "True");
    text = setFlag(text, "useRateIncreaseCriteria", "False");
    const { config, notHonoured } = convertDevIni(text, inputs);
    expect(config.rollout).toEqual({ maximumPerMinute: 100 });
    expect(notHonoured).toContainEqual(expect.stringContaining("[EXP_RATE_CONFIG]"));
  });

  it("refuses bad values with the field and its range", () => {
    let text = setFlag(filled, "useTimeoutConfig", "True").replace(
      "inProgressTimeoutInMinutes = 60",
      "inProgressTimeoutInMinutes = 20000",
    );
    text = setFlag(text, "useJobExecutionsRolloutConfig", "True").replace(
      "incrementFactor = 2.0",
      "incrementFactor = 2.25",
    );
    text = text.replace("rounds = 34", "rounds = many");
    const issues = issuesOf(text).join("\n");
    expect(issues).toMatch(/timeout\.inProgressTimeoutInMinutes: must be a whole number from 1 to 10080/);
    expect(issues).toMatch(/rollout\.exponentialRate\.incrementFactor: must have at most one decimal/);
    expect(issues).toMatch(/rounds: /);
  });

  it("needs the thing list, naming dev.ini as the source of its problems", () => {
    expect(() => convertDevIni(filled, { ...inputs, thingList: undefined })).toThrow(
      /^Invalid dev\.ini: .*thingList: the file thingsList\.txt could not be read/s,
    );
  });

  it("without --version deploys the release ./run ota release <binName> makes, and says so", () => {
    const { release: _ignored, ...withoutRelease } = inputs;
    const { config, notHonoured } = convertDevIni(filled, withoutRelease);
    expect(config.release).toBe("test");
    expect(notHonoured).toContainEqual(
      expect.stringMatching(/^binName \(test\.bin\): .* release test, .* --version/),
    );
  });

  it("reads `key: value` lines as configparser does", () => {
    const text = filled.replace("jobId = stressJob", "jobId: colonJob").replace("rounds = 34", "rounds: 2");
    expect(convertDevIni(text, inputs).config).toMatchObject({ jobId: "colonJob", rounds: 2 });
  });

  it("names keys and sections the seed does not document instead of dropping them silently", () => {
    const text = `${filled.replace("useTimeoutConfig = False", "useTimeoutConfig = False\nuseTimeOutConfig2 = True")}\n[TIMEOUT_CONFG]\ninProgressTimeoutInMinutes = 5\n`;
    const { notHonoured } = convertDevIni(text, inputs);
    expect(notHonoured).toContainEqual(
      expect.stringMatching(/^\[DEFAULT\] usetimeoutconfig2: not an option/),
    );
    expect(notHonoured).toContainEqual(expect.stringMatching(/^\[TIMEOUT_CONFG\]: not a section/));
  });

  it("refuses an abort subsection flag that is not a boolean instead of dropping its criterion", () => {
    let text = setFlag(filled, "useAbortConfig", "True");
    text = setFlag(text, "useAllSubsection", "False");
    text = setFlag(text, "useFailedSubsection", "Ture");
    expect(issuesOf(text)).toContainEqual(
      expect.stringContaining('useFailedSubsection: must be True or False, not "Ture"'),
    );
  });

  it("takes a group ARN in the thing list as a group target, and an s3 URL document from the bucket", () => {
    let text = setFlag(filled, "useCustomJobDocument", "True").replace(
      "jobDocSrcCfg = local_file",
      "jobDocSrcCfg = url",
    );
    text = text.replace("jobDocSrcUrl = None", "jobDocSrcUrl = s3://docs-bucket/jobs/job.json");
    const { config } = convertDevIni(text, {
      ...inputs,
      thingList: ["arn:aws:iot:us-east-1:123456789012:thinggroup/fleetA"],
    });
    expect(config.targets).toEqual({ thingGroup: "fleetA" });
    expect(config.document).toEqual({ s3: { bucket: "docs-bucket", key: "jobs/job.json" } });
  });

  it("refuses an alarm notifying a topic outside the stack, a listed alarm without its section and a bad stat, naming each", () => {
    const foreign = filled.replace(
      "snsTopics=arn:aws:sns:<region>:<aws-account-id>:ota-force-stopper",
      "snsTopics=arn:aws:sns:eu-west-1:210987654321:someone-elses-topic",
    );
    expect(issuesOf(foreign)).toEqual([
      "[ALARM_CONFIG_DownloadTimeLowerLimitAlarm] snsTopics: arn:aws:sns:eu-west-1:210987654321:someone-elses-topic is not one of the stack's topics (email-notification, sms-notification, ota-force-stopper); an alarm may notify only those",
    ]);
    const missing = filled.replace(
      "alarmList=DownloadTimeUpperLimitAlarm,",
      "alarmList=Missing,DownloadTimeUpperLimitAlarm,",
    );
    expect(issuesOf(missing)).toContain(
      "[ALARM_CONFIG_Missing]: named in alarmList but the section is missing",
    );
    const badStat = filled.replace(
      "stat=p99\nperiod=60\nthreshold=100",
      "stat=p101\nperiod=90\nthreshold=100",
    );
    expect(issuesOf(badStat)).toEqual([
      expect.stringMatching(/^alarms\.1\.stat: /),
      "alarms.1.period: must be a multiple of 60 seconds",
    ]);
  });

  it("takes an empty alarmList as no alarms, and names an alarm section alarmList does not list", () => {
    const none = filled.replace(/^alarmList=.*$/m, "alarmList=");
    const { config, notHonoured } = convertDevIni(none, inputs);
    expect(config.alarms).toBeUndefined();
    expect(notHonoured).toContain(
      "[ALARM_CONFIG_DownloadTimeUpperLimitAlarm]: not named in [ALARM_CONFIG] alarmList; ignored",
    );
    const extraKey = filled.replace(
      "stat=p99\nperiod=60\nthreshold=3600",
      "stat=p99\nunit=Seconds\nperiod=60\nthreshold=3600",
    );
    expect(convertDevIni(extraKey, inputs).notHonoured).toContain(
      "[ALARM_CONFIG_DownloadTimeUpperLimitAlarm] unit: not an option the original tool reads in this section; ignored",
    );
  });
});
