// What the rules deliver, turned into outcomes or refused with a reason that names the field.
import { describe, expect, it } from "@jest/globals";
import { FAILURE_SOURCES, type FailureSource } from "../../src/config";
import { parseMessage } from "../../src/core/messages";

const SEED = { _id_: "3hwC2y7", timestamp: "1711320208793", status: "failed", model: "wo:v8", FW: "2.27" };
const parse = (message: unknown, sources: readonly FailureSource[] = FAILURE_SOURCES) =>
  parseMessage(typeof message === "string" ? message : JSON.stringify(message), sources);

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
    const event = {
      eventType: "JOB_EXECUTION",
      eventId: "e-1",
      timestamp: 1_711_320_208,
      operation: "timed_out",
      jobId: "job-1",
      thingArn: "arn:aws:iot:eu-west-1:123456789012:thing/dev:1",
      status: "TIMED_OUT",
    };
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
    [{ ...SEED, status: "in_progress" }, 'status "in_progress" is neither failed nor succeeded'],
    [{ ...SEED, status: undefined }, "status undefined is neither failed nor succeeded"],
    ["{not json", "the message is not JSON"],
    [[SEED], "the message is not a JSON object"],
    [{ eventType: "JOB_EXECUTION", status: "FAILED", timestamp: 1 }, "thingArn is missing or names no thing"],
  ])("refuses %j: %s", (message, reason) => {
    expect(parse(message)).toEqual({ ok: false, reason });
  });

  it("refuses a source the stack does not count", () => {
    expect(parse(SEED, ["job-executions"])).toEqual({
      ok: false,
      reason: "source device-data is not counted in this stack (FAILURE_SOURCES)",
    });
  });
});
