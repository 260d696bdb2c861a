import { describe, expect, it } from "@jest/globals";
import sample from "../../events/transform.json" with { type: "json" };
import { DEFAULT_CONFIG, parseTelemetryConfig, type TelemetryConfigInput } from "../../src/core/config";
import { OVERFLOW_REASON, RESPONSE_BUDGET_BYTES, transformer } from "../../src/core/transform";
import { b64, decoded, lines, record } from "../support/records";

const transformWith = (config: TelemetryConfigInput, budget?: number) =>
  transformer(parseTelemetryConfig(config), budget);

/** A fleet's sensors: devices/<id>/telemetry/<sensor>, each message with its own epoch-second timestamp. */
const SENSORS: TelemetryConfigInput = {
  messages: [
    {
      topic: "devices/+/telemetry/#",
      timestamp: { field: "ts", unit: "s" },
      fields: [
        { name: "temperature", from: "env.temp", type: "number", required: true },
        { name: "battery", from: "power.pct", type: "integer" },
        { name: "ok", type: "boolean" },
        { name: "firmware", from: "meta", flatten: true },
        { name: "sampled_at", from: "sampledAt", type: "timestamp" },
        { name: "raw", from: "extra", type: "json" },
      ],
      drop: [{ field: "kind", equals: ["heartbeat", "test"] }],
    },
    { topic: "gateways/#", deviceId: { field: "gateway.id" }, fields: [{ name: "load", type: "number" }] },
  ],
};
const sensor = (extra: Record<string, unknown> = {}) => ({
  topic: "devices/pump-7/telemetry/env",
  receivedAt: 1_764_331_200_123,
  ts: 1_764_331_199,
  env: { temp: "21.5" },
  power: { pct: 88 },
  ok: "true",
  meta: { fw: "1.2.0", hw: { rev: 3 } },
  sampledAt: "2026-11-28T13:59:58+01:00",
  extra: { note: "x" },
  ignored: "not selected",
  ...extra,
});

describe("the seed's sample event", () => {
  it("answers each record Ok with the message, its topic, device and ISO timestamps, partitioned by device and day", () => {
    const { records, summary } = transformWith(DEFAULT_CONFIG)(sample.records);
    expect(records.map((r) => [r.recordId, r.result])).toEqual(sample.records.map((r) => [r.recordId, "Ok"]));
    expect(lines(records[0] as never)).toEqual([
      {
        topic: "iot-test-topic/asdasd",
        deviceId: "asdasd",
        timestamp: "2024-07-13T08:38:43.841Z",
        receivedAt: "2024-07-13T08:38:43.841Z",
        message: "Hello, world!",
      },
    ]);
    expect(records[0]?.metadata).toEqual({ partitionKeys: { device: "asdasd", dt: "2024-07-13" } });
    expect(summary).toMatchObject({ records: 4, ok: 4, dropped: 0, failed: 0, messages: 4 });
    expect(summary.bytesIn).toBe(sample.records.length * 60);
  });
});

describe("field mapping", () => {
  const transform = transformWith(SENSORS);

  it("selects, renames, types and flattens the configured fields, after the standard ones", () => {
    const [answer] = transform([record("r1", sensor())]).records;
    expect(answer?.result).toBe("Ok");
    expect(decoded(answer as never)).toBe(
      `${JSON.stringify({
        topic: "devices/pump-7/telemetry/env",
        deviceId: "pump-7",
        timestamp: "2025-11-28T11:59:59.000Z",
        receivedAt: "2025-11-28T12:00:00.123Z",
        temperature: 21.5,
        battery: 88,
        ok: true,
        firmware_fw: "1.2.0",
        firmware_hw_rev: 3,
        sampled_at: "2026-11-28T12:59:58.000Z",
        raw: '{"note":"x"}',
      })}\n`,
    );
    expect(answer?.metadata).toEqual({ partitionKeys: { device: "pump-7", dt: "2025-11-28" } });
  });

  it("leaves out optional fields that are missing or null", () => {
    const [answer] = transform([
      record("r1", sensor({ power: null, ok: undefined, meta: undefined, extra: null })),
    ]).records;
    expect(Object.keys(lines(answer as never)[0] as object)).toEqual([
      "topic",
      "deviceId",
      "timestamp",
      "receivedAt",
      "temperature",
      "sampled_at",
    ]);
  });

  it.each([
    [{ env: {} }, "field env.temp is missing"],
    [{ env: { temp: "warm" } }, 'field env.temp is not a number: "warm"'],
    [{ power: { pct: 88.5 } }, "field power.pct is not a integer: 88.5"],
    [{ ok: "yes" }, 'field ok is not a boolean: "yes"'],
    [{ meta: "1.2.0" }, "field meta is not an object to flatten"],
    [{ sampledAt: "2026-11-28T13:59:58" }, 'field sampledAt is not a timestamp: "2026-11-28T13:59:58"'],
    [{ ts: "yesterday" }, "field ts is not a timestamp (epoch s)"],
  ])("fails a message that does not fit the schema (%j): %s", (change, reason) => {
    const { records, summary } = transform([record("r1", sensor(change))]);
    expect(records).toEqual([{ recordId: "r1", result: "ProcessingFailed", data: expect.any(String) }]);
    expect(summary.failures).toEqual([{ recordId: "r1", reason }]);
  });

  it("drops messages a rule filters out, and counts them", () => {
    const { records, summary } = transform([
      record("hb", sensor({ kind: "heartbeat" })),
      record("t", sensor({ kind: "test" })),
      record("m", sensor({ kind: "measurement" })),
    ]);
    expect(records.map((r) => r.result)).toEqual(["Dropped", "Dropped", "Ok"]);
    expect(summary).toMatchObject({ dropped: 2, ok: 1 });
  });

  it("takes the device id from a payload field for another message type, first matching type first", () => {
    const [answer] = transform([
      record("g", { topic: "gateways/eu/1", gateway: { id: "gw-1" }, load: 3 }),
    ]).records;
    expect(lines(answer as never)[0]).toMatchObject({ deviceId: "gw-1", load: 3 });
  });

  it("matches every level below a filter's #, and + exactly one level", () => {
    const deep = transform([record("d", { ...sensor(), topic: "devices/pump-7/telemetry/env/a/b" })])
      .records[0];
    expect(deep?.result).toBe("Ok");
    const other = transform([record("o", { ...sensor(), topic: "devices/pump-7/status" })]);
    expect(other.summary.failures).toEqual([
      { recordId: "o", reason: "topic devices/pump-7/status matches no configured message type" },
    ]);
  });

  it("answers Ok with the kept messages of a record holding several (the rule's newline separator), dropping filtered ones", () => {
    const [answer] = transform([
      record(
        "multi",
        sensor({ ts: 1_764_000_001 }),
        sensor({ kind: "heartbeat" }),
        sensor({ ts: 1_764_000_002 }),
      ),
    ]).records;
    expect(lines(answer as never).map((line) => line.timestamp)).toEqual([
      "2025-11-24T16:00:01.000Z",
      "2025-11-24T16:00:02.000Z",
    ]);
  });

  it("fails a record whose messages belong to different partitions, naming the line", () => {
    const { summary } = transform([
      record("split", sensor(), { ...sensor(), topic: "devices/pump-8/telemetry/env" }),
    ]);
    expect(summary.failures).toEqual([
      { recordId: "split", reason: "line 2: messages of one record belong to different partitions" },
    ]);
  });
});

describe("timestamps", () => {
  const transform = transformWith({ messages: [{ topic: "#", timestamp: { field: "t" } }] });
  const timestampOf = (t: unknown) => {
    const [answer] = transform([record("r", { topic: "a/d1", t })]).records;
    return answer?.result === "Ok" ? lines(answer)[0]?.timestamp : answer?.result;
  };

  it.each([
    [1_764_331_200, "2025-11-28T12:00:00.000Z"],
    [1_764_331_200_500, "2025-11-28T12:00:00.500Z"],
    ["2025-11-28T13:00:00+01:00", "2025-11-28T12:00:00.000Z"],
    ["2025-11-28T12:00:00.25Z", "2025-11-28T12:00:00.250Z"],
    ["2025-11-28 12:00", "ProcessingFailed"],
    [null, "ProcessingFailed"],
    [1e20, "ProcessingFailed"],
  ])("%j → %s (epoch seconds or ms told apart; ISO-8601 needs a zone)", (t, expected) => {
    expect(timestampOf(t)).toBe(expected);
  });

  it("falls back to the rule's receivedAt, then to Firehose's arrival time", () => {
    const plain = transformWith(DEFAULT_CONFIG);
    const withRule = plain([record("a", { topic: "a/d1", receivedAt: 1_764_331_200_000 })]).records[0];
    expect(lines(withRule as never)[0]?.timestamp).toBe("2025-11-28T12:00:00.000Z");
    const arrivalOnly = plain([record("b", { topic: "a/d1" })]).records[0];
    expect(lines(arrivalOnly as never)[0]?.timestamp).toBe("2026-11-28T12:00:00.000Z");
  });
});

describe("CSV with fixed columns (the seed's .csv.gz)", () => {
  it("writes the columns in order, quoting commas, quotes and line breaks, empty for missing values", () => {
    const transform = transformWith({
      messages: [
        {
          topic: "#",
          fields: [{ name: "note" }, { name: "level", type: "integer" }, { name: "meta", flatten: true }],
        },
      ],
      output: { format: "csv", columns: ["deviceId", "timestamp", "note", "level", "meta_fw"] },
    });
    const { records } = transform([
      record("a", {
        topic: "t/d1",
        receivedAt: 1_764_000_000_000,
        note: 'said "hi", left\nearly',
        level: 3,
        meta: { fw: "2" },
      }),
      record("b", { topic: "t/d2", receivedAt: 1_764_000_000_000 }),
    ]);
    // OpenCSVSerDe reads no line break inside a value: it becomes a space.
    expect(records.map(decoded)).toEqual([
      'd1,2025-11-24T16:00:00.000Z,"said ""hi"", left early",3,2\n',
      "d2,2025-11-24T16:00:00.000Z,,,\n",
    ]);
  });
});

describe("partition keys", () => {
  it("returns any configured field as a key, and fails a value that cannot be an S3 prefix", () => {
    const transform = transformWith({
      messages: [{ topic: "#", fields: [{ name: "site", required: true }] }],
      partitionKeys: [
        { name: "site", source: "field", field: "site" },
        { name: "dt", source: "date" },
      ],
    });
    const { records, summary } = transform([
      record("ok", { topic: "t/d1", receivedAt: 1_764_000_000_000, site: "plant-3" }),
      record("slash", { topic: "t/d1", receivedAt: 1_764_000_000_000, site: "../other" }),
    ]);
    expect(records[0]?.metadata).toEqual({ partitionKeys: { site: "plant-3", dt: "2025-11-24" } });
    expect(summary.failures).toEqual([
      {
        recordId: "slash",
        reason: `partition key site would be "../other", not 1-256 letters, digits, ':', '_', '.' or '-'`,
      },
    ]);
  });
});

describe("bad records never fail the batch", () => {
  const transform = transformWith(DEFAULT_CONFIG);
  const good = record("good", { topic: "t/d1", v: 1 });

  it.each([
    ["invalid base64", { recordId: "x", data: "not base64!" }, "data is not base64"],
    ["data that is no string", { recordId: "x", data: 42 }, "data is not base64"],
    [
      "bytes that are not UTF-8",
      { recordId: "x", data: b64(new Uint8Array([0xff, 0xfe, 0x7b])) },
      "data is not UTF-8 text",
    ],
    ["text that is not JSON", { recordId: "x", data: b64("{topic: t/d1}") }, /^not JSON \(/],
    ["a JSON array", { recordId: "x", data: b64('[{"topic":"t/d1"}]') }, "a JSON array, expected an object"],
    ["a JSON number", { recordId: "x", data: b64("7") }, "a JSON number, expected an object"],
    ["an empty record", { recordId: "x", data: b64("\n \n") }, "the record holds no message"],
    [
      "a message without topic",
      record("x", { v: 1 }),
      "topic is missing (the rule's SELECT topic() AS topic)",
    ],
    ["a device id that would escape its prefix", record("x", { topic: "t/.." }), /^device id "\.\." is not/],
  ])("%s → ProcessingFailed with the reason, the good record beside it Ok", (_, bad, reason) => {
    const { records, summary } = transform([bad as never, good]);
    expect(records.map((r) => [r.recordId, r.result])).toEqual([
      ["x", "ProcessingFailed"],
      ["good", "Ok"],
    ]);
    const expected = typeof reason === "string" ? reason : expect.stringMatching(reason);
    expect(summary.failures).toEqual([{ recordId: "x", reason: expected }]);
    expect(summary).toMatchObject({ failed: 1, ok: 1 });
  });

  it("keeps unicode intact", () => {
    const [answer] = transform([
      record("u", { topic: "t/d1", text: "température 21,5 °C — 温度 🌡️" }),
    ]).records;
    expect(lines(answer as never)[0]?.text).toBe("température 21,5 °C — 温度 🌡️");
  });

  it("transforms a 1 MB record", () => {
    const big = "x".repeat(1024 * 1024);
    const [answer] = transform([record("big", { topic: "t/d1", blob: big })]).records;
    expect(answer?.result).toBe("Ok");
    expect(lines(answer as never)[0]?.blob).toBe(big);
  });

  it("answers a duplicated recordId once, for its first record, and counts the repeat", () => {
    const { records, summary } = transform([record("same", { topic: "t/d1" }), record("same", "junk"), good]);
    expect(records.map((r) => [r.recordId, r.result])).toEqual([
      ["same", "Ok"],
      ["good", "Ok"],
    ]);
    expect(summary.duplicates).toBe(1);
  });
});

describe("the 6 MB response limit", () => {
  it("fails the records that would not fit with the reason, answering every one, the response within budget", () => {
    const budget = 4_000;
    const transform = transformWith(DEFAULT_CONFIG, budget);
    const batch = Array.from({ length: 12 }, (_, i) =>
      record(`r${i}`, { topic: "t/d1", pad: "p".repeat(400) }),
    );
    const { records, summary } = transform(batch);
    expect(records.map((r) => r.recordId)).toEqual(batch.map((r) => r.recordId));
    expect(Buffer.byteLength(JSON.stringify({ records }))).toBeLessThanOrEqual(budget);
    const over = records.filter((r) => r.result === "ProcessingFailed");
    expect(over.length).toBeGreaterThan(0);
    expect(records.slice(0, records.length - over.length).every((r) => r.result === "Ok")).toBe(true);
    expect(summary.overflowed).toBe(over.length);
    expect(new Set(summary.failures.map((f) => f.reason))).toEqual(new Set([OVERFLOW_REASON]));
  });

  it("answers a processor-maximum 3 MB batch whose output grows, with the default budget, under 6 MB", () => {
    const transform = transformWith({
      messages: [
        {
          topic: "devices/+/telemetry/#",
          fields: [
            { name: "temperature", from: "t", type: "number", required: true },
            { name: "firmware", from: "m", flatten: true },
          ],
        },
      ],
    });
    // Each record holds 500 short messages of one device (one partition); each line grows with the standard fields.
    const message = (r: number, i: number) =>
      `${JSON.stringify({ topic: `devices/d${r % 7}/telemetry/env`, receivedAt: 1_764_331_200_000 + i, t: i, m: { v: 1 } })}\n`;
    const batch: ReturnType<typeof record>[] = [];
    let bytes = 0;
    for (let r = 0; bytes < 3_000_000; r++) {
      const item = record(`${r}`, ...Array.from({ length: 500 }, (_, i) => message(r, r * 500 + i)));
      bytes += Buffer.byteLength(item.data as string, "base64");
      batch.push(item);
    }
    const { records, summary } = transform(batch);
    expect(records.map((r) => r.recordId)).toEqual(batch.map((r) => r.recordId));
    const size = Buffer.byteLength(JSON.stringify({ records }));
    expect(size).toBeLessThanOrEqual(RESPONSE_BUDGET_BYTES);
    expect(size).toBeLessThan(6 * 1024 * 1024);
    expect(summary.ok).toBeGreaterThan(0);
    expect(summary.overflowed).toBeGreaterThan(0);
    expect(summary.ok + summary.overflowed).toBe(batch.length);
  });
});

describe("pass-through (the shipped default without fields) keeps every payload key", () => {
  const passThrough = transformWith(DEFAULT_CONFIG);
  const at = 1_764_331_200_123;

  it("keeps keys named like Object's own members, and __proto__, as fields", () => {
    const payload = `{"topic":"t/d1","receivedAt":${at},"toString":1,"constructor":"c","valueOf":true,"hasOwnProperty":0,"__proto__":{"x":1}}`;
    const [answer] = passThrough([{ recordId: "p", data: b64(payload) }]).records;
    expect(answer?.result).toBe("Ok");
    const line = decoded(answer as never);
    expect(JSON.parse(line)).toMatchObject({
      toString: 1,
      constructor: "c",
      valueOf: true,
    });
    expect(line).toContain('"hasOwnProperty":0');
    expect(line).toContain('"__proto__":{"x":1}');
  });

  it("keeps a payload's own deviceId and timestamp as payload_deviceId and payload_timestamp", () => {
    const [answer] = passThrough([
      record("p", { topic: "t/d1", receivedAt: at, deviceId: "other", timestamp: "yesterday" }),
    ]).records;
    expect(lines(answer as never)[0]).toMatchObject({
      deviceId: "d1",
      payload_deviceId: "other",
      payload_timestamp: "yesterday",
    });
  });
});

describe("device timestamps outside the table's date range", () => {
  const own = transformWith({ messages: [{ topic: "#", timestamp: { field: "ts", unit: "ms" } }] });
  const at = 1_764_331_200_123;

  it("fails a timestamp before 2000-01-01 or more than a day after receipt, naming why; keeps one within", () => {
    const { records, summary } = own([
      record("epoch", { topic: "t/d1", receivedAt: at, ts: 0 }),
      record("future", { topic: "t/d1", receivedAt: at, ts: 253_402_300_800_000 + 1 }),
      record("ahead", { topic: "t/d1", receivedAt: at, ts: at + 86_400_001 }),
      record("fine", { topic: "t/d1", receivedAt: at, ts: at + 3_600_000 }),
    ]);
    expect(records.map((r) => r.result)).toEqual([
      "ProcessingFailed",
      "ProcessingFailed",
      "ProcessingFailed",
      "Ok",
    ]);
    for (const failure of summary.failures) expect(failure.reason).toMatch(/outside 2000-01-01/);
  });
});

describe("drop rules on numbers and booleans, and the string type", () => {
  it("drops on a numeric or boolean value and coerces numbers and booleans to strings", () => {
    const transform = transformWith({
      messages: [
        {
          topic: "#",
          fields: [{ name: "code", type: "string" }],
          drop: [
            { field: "level", equals: 0 },
            { field: "test", equals: true },
          ],
        },
      ],
    });
    const at = 1_764_331_200_123;
    const { records } = transform([
      record("zero", { topic: "t/d1", receivedAt: at, level: 0, code: 1 }),
      record("test", { topic: "t/d1", receivedAt: at, test: true, code: 1 }),
      record("kept", { topic: "t/d1", receivedAt: at, level: 1, test: false, code: 42 }),
      record("bool", { topic: "t/d1", receivedAt: at, code: false }),
    ]);
    expect(records.map((r) => r.result)).toEqual(["Dropped", "Dropped", "Ok", "Ok"]);
    expect(lines(records[2] as never)[0]?.code).toBe("42");
    expect(lines(records[3] as never)[0]?.code).toBe("false");
  });
});
