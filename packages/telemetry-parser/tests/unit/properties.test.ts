// For any batch of any records — good, bad, repeated ids, huge — the transformation keeps Firehose's contract.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { parseTelemetryConfig } from "../../src/core/config";
import { isoString } from "../../src/core/normalize";
import { BASE64, type FirehoseRecord, transformer } from "../../src/core/transform";
import { applyRules } from "../../src/testing/index";
import { b64 } from "../support/records";

const deviceId = fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/);
const goodMessage = fc.record({
  topic: fc
    .tuple(deviceId, fc.constantFrom("env", "env/deep", "x"))
    .map(([d, s]) => `devices/${d}/telemetry/${s}`),
  receivedAt: fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
  temperature: fc.double({ noNaN: true, noDefaultInfinity: true }),
  note: fc.option(fc.string({ unit: "grapheme" }), { nil: undefined }),
  kind: fc.constantFrom("measurement", "heartbeat"),
});
/** Bytes a device or a broken client might send: valid messages, other JSON, text, arbitrary bytes. */
const payload = fc.oneof(
  goodMessage.map((m) => `${JSON.stringify(m)}\n`),
  fc
    .array(goodMessage, { minLength: 2, maxLength: 3 })
    .map((ms) => ms.map((m) => `${JSON.stringify(m)}\n`).join("")),
  fc.jsonValue().map((v) => `${JSON.stringify(v)}\n`),
  fc.string({ unit: "grapheme" }),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
);
const recordArb = fc.record({
  recordId: fc.stringMatching(/^[0-9]{1,8}$/),
  data: fc.oneof({ weight: 8, arbitrary: payload.map(b64) }, { weight: 1, arbitrary: fc.string() }),
  approximateArrivalTimestamp: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
}) as fc.Arbitrary<FirehoseRecord>;

/** A message a device publishes, as the rule forwards it, with what each model needs to predict the output. */
interface Known {
  record: string;
  device: string;
  topic: string;
  receivedAt: number;
  temperature: number;
  note: string | undefined;
  heartbeat: boolean;
  /** The payload's keys in order, as published (pass-through keeps them all). */
  payload: Array<[string, unknown]>;
}
const knownMessage: fc.Arbitrary<Known> = fc
  .record({
    device: deviceId,
    level: fc.constantFrom("env", "env/deep", "x"),
    // Within the table's range: 2000-01-01 to 2100.
    receivedAt: fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
    temperature: fc.double({ noNaN: true, noDefaultInfinity: true }).map((t) => (Object.is(t, -0) ? 0 : t)),
    note: fc.option(fc.string({ unit: "grapheme" }), { nil: undefined }),
    heartbeat: fc.constantFrom(false, false, false, true),
    // Keys that Object's prototype has, and standard fields the payload may carry too.
    awkward: fc.record({
      toString: fc.integer(),
      constructor: fc.string(),
      deviceId: fc.string(),
      timestamp: fc.string(),
      // Written into the payload as "__proto__" (a literal key here would set the prototype).
      proto: fc.record({ p: fc.integer() }),
    }),
  })
  .map(({ device, level, receivedAt, temperature, note, heartbeat, awkward }) => {
    const topic = `devices/${device}/telemetry/${level}`;
    const payload: Array<[string, unknown]> = [
      ["temperature", temperature],
      ...(note === undefined ? [] : ([["note", note]] as Array<[string, unknown]>)),
      ["kind", heartbeat ? "heartbeat" : "measurement"],
      ["toString", awkward.toString],
      ["constructor", awkward.constructor],
      ["deviceId", awkward.deviceId],
      ["timestamp", awkward.timestamp],
      ["__proto__", awkward.proto],
    ];
    const text = `{${payload.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
    const outcome = applyRules(topic, receivedAt, text);
    if (outcome.to !== "stream") throw new Error("the rule refused a payload without reserved keys");
    return { record: outcome.record, device, topic, receivedAt, temperature, note, heartbeat, payload };
  });

const jsonObject = (entries: Array<[string, unknown]>) =>
  `{${entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(",")}}\n`;
const standard = (m: Known): Array<[string, unknown]> => [
  ["topic", m.topic],
  ["deviceId", m.device],
  ["timestamp", isoString(m.receivedAt)],
  ["receivedAt", isoString(m.receivedAt)],
];
/** A CSV cell as OpenCSVSerDe reads it back: line breaks as spaces, quoted when holding a comma or quote. */
const csvCell = (value: unknown) => {
  if (value === undefined) return "";
  const text = String(value).replace(/\r\n|[\r\n]/g, " ");
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const typed = {
  topic: "devices/+/telemetry/#",
  fields: [
    { name: "temperature", type: "number" as const, required: true },
    { name: "note", type: "string" as const },
  ],
  drop: [{ field: "kind", equals: "heartbeat" }],
};
/** Each configuration and what it makes of a known message. */
const MODELS: Array<{ config: ReturnType<typeof parseTelemetryConfig>; expect: (m: Known) => string }> = [
  {
    config: parseTelemetryConfig({ messages: [typed] }),
    expect: (m) =>
      m.heartbeat
        ? "Dropped"
        : jsonObject([...standard(m), ["temperature", m.temperature], ["note", m.note]]),
  },
  {
    // Pass-through, the shipped default's shape: every payload key kept, deviceId and timestamp prefixed.
    config: parseTelemetryConfig({ messages: [{ topic: "devices/+/telemetry/#" }] }),
    expect: (m) =>
      jsonObject([
        ...standard(m),
        ...m.payload.map(([k, v]): [string, unknown] => [
          k === "deviceId" || k === "timestamp" ? `payload_${k}` : k,
          v,
        ]),
      ]),
  },
  {
    config: parseTelemetryConfig({
      messages: [typed],
      output: { format: "csv", columns: ["deviceId", "timestamp", "temperature", "note"] },
    }),
    expect: (m) =>
      m.heartbeat
        ? "Dropped"
        : `${[m.device, isoString(m.receivedAt), m.temperature, m.note].map(csvCell).join(",")}\n`,
  },
];

describe("for any batch of any records", () => {
  it("answers every recordId exactly once, in order, with a valid result and base64 data, within the budget", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MODELS),
        fc.array(recordArb, { maxLength: 60 }),
        fc.integer({ min: 300, max: 6_000 }),
        (model, batch, budget) => {
          const { records, summary } = transformer(model.config, budget)(batch);
          const ids = [...new Set(batch.map((r) => r.recordId))];
          expect(records.map((r) => r.recordId)).toEqual(ids);
          for (const answer of records) {
            expect(["Ok", "Dropped", "ProcessingFailed"]).toContain(answer.result);
            expect(answer.data).toMatch(BASE64);
          }
          // The size is counted exactly as the response is built, so the budget check is exact too.
          const size = Buffer.byteLength(JSON.stringify({ records }));
          expect(summary.responseBytes - size).toBe(records.length > 0 ? 1 : 0);
          // The budget can always hold every record answered without data; beyond that the response stays within it.
          const minimal = JSON.stringify({
            records: records.map((r) => ({ ...r, data: "", metadata: undefined })),
          });
          if (Buffer.byteLength(minimal) <= budget) expect(size).toBeLessThanOrEqual(budget);
          expect(summary.ok + summary.dropped + summary.failed).toBe(ids.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("Ok outputs decode to exactly what each configuration makes of the message (JSON Lines typed, pass-through, CSV)", () => {
    let oks = 0;
    for (const model of MODELS) {
      const transform = transformer(model.config);
      fc.assert(
        fc.property(
          fc.array(recordArb, { maxLength: 15 }),
          fc.array(knownMessage, { minLength: 1, maxLength: 10 }),
          fc.integer({ min: 0, max: 1_000 }),
          (noise, known, seed) => {
            // The known records get ids no noise record has, at places the seed picks.
            const batch: FirehoseRecord[] = noise.filter((r) => !r.recordId.startsWith("k"));
            known.forEach((message, i) => {
              batch.splice((seed * (i + 1)) % (batch.length + 1), 0, {
                recordId: `k${i}`,
                data: b64(message.record),
              });
            });
            const answers = new Map(transform(batch).records.map((r) => [r.recordId, r]));
            known.forEach((message, i) => {
              const answer = answers.get(`k${i}`);
              const expected = model.expect(message);
              if (expected === "Dropped") expect(answer?.result).toBe("Dropped");
              else {
                expect(answer?.result).toBe("Ok");
                expect(Buffer.from(answer?.data ?? "", "base64").toString("utf8")).toBe(expected);
                expect(answer?.metadata?.partitionKeys).toEqual({
                  device: message.device,
                  dt: isoString(message.receivedAt).slice(0, 10),
                });
                oks++;
              }
            });
          },
        ),
        { numRuns: 150 },
      );
    }
    // Not vacuous: measurements are generated three times in four.
    expect(oks).toBeGreaterThan(100);
  });

  it("a good record's answer does not depend on the bad records around it", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), goodMessage, (noise, message) => {
        const good = { recordId: "good", data: b64(`${JSON.stringify(message)}\n`) };
        const config = (MODELS[0] as (typeof MODELS)[number]).config;
        const alone = transformer(config)([good]).records[0];
        const among = transformer(config)([...noise.filter((r) => r.recordId !== "good"), good]).records.at(
          -1,
        );
        expect(among).toEqual(alone);
      }),
      { numRuns: 200 },
    );
  });
});

it("formats any moment Date can as Date#toISOString does, whichever moment came before", () => {
  const moment = fc.integer({ min: -8.64e15, max: 8.64e15 - 1 });
  fc.assert(
    fc.property(moment, moment, (before, ms) => {
      isoString(before);
      expect(isoString(ms)).toBe(new Date(ms).toISOString());
      expect(isoString(ms + 1)).toBe(new Date(ms + 1).toISOString());
    }),
    { numRuns: 2000 },
  );
});
