// What the rules deliver, turned into outcomes or refused with a reason that names the field.
import { describe, expect, it } from "@jest/globals";
import { FAILURE_SOURCES, type FailureSource } from "../../src/config";
import { parseMessage } from "../../src/core/messages";

const SEED = { _id_: "3hwC2y7", timestamp: "1711320208793", status: "failed", model: "wo:v8", FW: "2.27" };
const parse = (message: unknown, sources: readonly FailureSource[] = FAILURE_SOURCES, jobIdPrefix = "") =>
  parseMessage(typeof message === "string" ? message : JSON.stringify(message), { sources, jobIdPrefix });
const JOB_EVENT = {
  ruleSource: "job-executions",
  eventType: "JOB_EXECUTION",
  eventId: "e-1",
  timestamp: 1_711_320_208,
  operation: "timed_out",
  jobId: "job-1",
  thingArn: "arn:aws:iot:eu-west-1:123456789012:thing/dev:1",
  status: "TIMED_OUT",
};

describe("parseMessage", () => {
  it("accepts the seed's payload as it is, the timestamp a string or a number of ms", () => {
    expect(parse(SEED)).toEqual({
      ok: true,
      outcome: {
        deviceId: "3hwC2y7",
        kind: "failed",
        at: 1_711_320_208_793,
        key: "device:1711320208793:failed",
        source: "device-data",
        detail: "device reported failed (wo:v8 2.27)",
      },
    });
    expect(parse({ ...SEED, timestamp: 1_711_320_208_793 })).toMatchObject({ ok: true });
    expect(parse({ ...SEED, status: "succeeded" })).toMatchObject({
      ok: true,
      outcome: { kind: "succeeded" },
    });
  });

  it("reads AWS's job-execution events: failed, timed out and rejected count as failures, succeeded resets", () => {
    const event = JOB_EVENT;
    expect(parse(event)).toEqual({
      ok: true,
      outcome: {
        deviceId: "dev:1",
        kind: "failed",
        at: 1_711_320_208_000,
        key: "job:job-1:e-1",
        source: "job-executions",
        detail: "job job-1 execution TIMED_OUT",
      },
    });
    for (const status of ["FAILED", "REJECTED"])
      expect(parse({ ...event, status })).toMatchObject({ ok: true });
    expect(parse({ ...event, status: "SUCCEEDED" })).toMatchObject({ outcome: { kind: "succeeded" } });
    expect(parse({ ...event, status: "CANCELED" })).toEqual({
      ok: false,
      reason: 'job execution status "CANCELED" is not counted',
    });
  });

  it.each([
    [{ ...SEED, _id_: undefined }, "_id_ is missing"],
    [{ ...SEED, _id_: "" }, "_id_ is missing"],
    [{ ...SEED, _id_: "a b" }, '_id_ "a b" is not a thing name'],
    [{ ...SEED, timestamp: "yesterday" }, 'timestamp "yesterday" is not epoch milliseconds'],
    [{ ...SEED, timestamp: "-5" }, 'timestamp "-5" is not epoch milliseconds'],
    // Microseconds (year 56000), and a device whose clock was never set.
    [
      { ...SEED, timestamp: "1711320208793000" },
      'timestamp "1711320208793000" is not between 2000 and a day from now',
    ],
    [{ ...SEED, timestamp: "42" }, 'timestamp "42" is not between 2000 and a day from now'],
    [
      { ...JOB_EVENT, timestamp: 1_711_320_208_793 },
      "timestamp 1711320208793 is not between 2000 and a day from now",
    ],
    [{ ...SEED, status: "in_progress" }, 'status "in_progress" is neither failed nor succeeded'],
    [{ ...SEED, status: undefined }, "status undefined is neither failed nor succeeded"],
    ["{not json", "the message is not JSON"],
    [[SEED], "the message is not a JSON object"],
    [
      { ruleSource: "job-executions", eventType: "JOB_EXECUTION", status: "FAILED", timestamp: 1 },
      "thingArn is missing or names no thing",
    ],
    [{ ...SEED, ruleSource: "shadow" }, 'ruleSource "shadow" is no failure source'],
  ])("refuses %j: %s", (message, reason) => {
    expect(parse(message)).toEqual({ ok: false, reason });
  });

  it("refuses a source the stack does not count", () => {
    expect(parse(SEED, ["job-executions"])).toEqual({
      ok: false,
      reason: "source device-data is not counted in this stack (FAILURE_SOURCES)",
    });
  });

  it("takes the source from the rule's stamp only: a job event a device publishes on its own topic is refused", () => {
    const { ruleSource: _, ...forged } = JOB_EVENT;
    expect(parse(forged)).toEqual({ ok: false, reason: "_id_ is missing" });
    expect(parse({ ...forged, ruleSource: "device-data" })).toEqual({ ok: false, reason: "_id_ is missing" });
  });

  it("counts job events of the stack's jobs only (JOB_ID_PREFIX)", () => {
    expect(parse(JOB_EVENT, FAILURE_SOURCES, "job-")).toMatchObject({ ok: true });
    expect(parse({ ...JOB_EVENT, jobId: "config-7" }, FAILURE_SOURCES, "job-")).toEqual({
      ok: false,
      reason: 'job "config-7" is not one of this stack\'s (JOB_ID_PREFIX job-)',
    });
  });

  it("unwraps a message the rules' error action kept (a redrive from the dead-letter queue)", () => {
    const kept = (payload: unknown, topic: string) => ({
      ruleName: "r",
      topic,
      base64OriginalPayload: Buffer.from(JSON.stringify(payload)).toString("base64"),
      failures: [],
    });
    expect(parse(kept(SEED, "iot/device/data"))).toMatchObject({
      ok: true,
      outcome: { deviceId: "3hwC2y7" },
    });
    const { ruleSource: _, ...original } = JOB_EVENT;
    expect(parse(kept(original, "$aws/events/jobExecution/job-1/timed_out"))).toMatchObject({
      ok: true,
      outcome: { source: "job-executions" },
    });
    expect(parse(kept(original, "iot/device/data"))).toEqual({ ok: false, reason: "_id_ is missing" });
  });
});
