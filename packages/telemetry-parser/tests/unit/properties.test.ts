// For any batch of any records — good, bad, repeated ids, huge — the transformation keeps Firehose's contract.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { parseTelemetryConfig } from "../../src/core/config";
import { isoString } from "../../src/core/normalize";
import { type FirehoseRecord, transformer } from "../../src/core/transform";
import { b64 } from "../support/records";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const config = parseTelemetryConfig({
  messages: [
    {
      topic: "devices/+/telemetry/#",
      fields: [
        { name: "temperature", type: "number", required: true },
        { name: "note", type: "string" },
      ],
      drop: [{ field: "kind", equals: "heartbeat" }],
    },
  ],
});

const deviceId = fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/);
const goodMessage = fc.record({
  topic: fc
    .tuple(deviceId, fc.constantFrom("env", "env/deep", "x"))
    .map(([d, s]) => `devices/${d}/telemetry/${s}`),
  receivedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
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
  approximateArrivalTimestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
}) as fc.Arbitrary<FirehoseRecord>;

describe("for any batch of any records", () => {
  it("answers every recordId exactly once, in order, with a valid result and base64 data, within the budget", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 60 }),
        fc.integer({ min: 300, max: 6_000 }),
        (batch, budget) => {
          const { records, summary } = transformer(config, budget)(batch);
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

  it("Ok outputs decode to what the config says: the standard fields then the typed ones, in the record's partition", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 30 }), (batch) => {
        for (const answer of transformer(config)(batch).records) {
          if (answer.result !== "Ok") continue;
          const text = Buffer.from(answer.data, "base64").toString("utf8");
          expect(text.endsWith("\n")).toBe(true);
          for (const line of text.slice(0, -1).split("\n")) {
            const out = JSON.parse(line) as Record<string, unknown>;
            expect(Object.keys(out)).toEqual(
              ["topic", "deviceId", "timestamp", "receivedAt", "temperature", "note"].filter((k) => k in out),
            );
            expect(typeof out.temperature).toBe("number");
            expect(out.topic).toMatch(/^devices\/[^/]+\/telemetry\//);
            expect(out.deviceId).toBe((out.topic as string).split("/")[1]);
            expect(new Date(out.timestamp as string).toISOString()).toBe(out.timestamp);
            expect(answer.metadata?.partitionKeys).toEqual({
              device: out.deviceId,
              dt: (out.timestamp as string).slice(0, 10),
            });
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a good record's answer does not depend on the bad records around it", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), goodMessage, (noise, message) => {
        const good = { recordId: "good", data: b64(`${JSON.stringify(message)}\n`) };
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
