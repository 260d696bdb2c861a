import { localContext } from "@fleet/shared-aws/testing";
import { describe, expect, it } from "@jest/globals";
import badRecords from "../../events/transform.bad-records.json" with { type: "json" };
import sample from "../../events/transform.json" with { type: "json" };
import { recordBatch } from "../../src/core/batch-metrics";
import { handler } from "../../src/handlers/transform";
import { record } from "../support/records";

const context = () =>
  localContext({ functionName: "telemetry-parser-transform", timeoutMs: 120_000, memoryMb: 512 });
const invoke = (event: unknown) =>
  handler(event as never, context()) as Promise<{ records: Array<{ result: string }> }>;

describe("the transform handler", () => {
  it("answers the seed's sample event with one Ok per record, and nothing else", async () => {
    const response = await invoke(sample);
    expect(Object.keys(response)).toEqual(["records"]);
    expect(response.records.map((r) => r.result)).toEqual(["Ok", "Ok", "Ok", "Ok"]);
  });

  it("answers the bad-records sample: the messages Ok, every bad record ProcessingFailed", async () => {
    // The default configuration keeps every message: the heartbeat is a message like any other there.
    const response = await invoke(badRecords);
    expect(response.records.map((r) => r.result)).toEqual([
      "Ok",
      "Ok",
      "ProcessingFailed",
      "ProcessingFailed",
      "ProcessingFailed",
      "ProcessingFailed",
    ]);
  });

  it("answers bad data ProcessingFailed instead of throwing", async () => {
    const response = await invoke({
      records: [{ recordId: "1", data: "%%%" }, record("2", { topic: "a/b" })],
    });
    expect(response.records.map((r) => r.result)).toEqual(["ProcessingFailed", "Ok"]);
  });

  it("refuses an event whose records cannot be answered, naming the field", async () => {
    await expect(invoke({ records: [{ data: "e30=" }] })).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringContaining("records.0.recordId"),
    });
    await expect(invoke({})).rejects.toMatchObject({ message: expect.stringContaining("records") });
  });
});

describe("per-batch metrics and logs", () => {
  const summary = {
    records: 5,
    ok: 2,
    dropped: 1,
    failed: 2,
    overflowed: 1,
    duplicates: 0,
    messages: 6,
    bytesIn: 900,
    bytesOut: 700,
    responseBytes: 1200,
    failures: [{ recordId: "3", reason: "data is not base64" }],
  };

  it("publishes records in, Ok, Dropped, ProcessingFailed, over the limit, bytes in and out", () => {
    const metrics: Array<[string, string, number]> = [];
    const warnings: unknown[] = [];
    recordBatch(
      {
        metrics: {
          addMetric: (name: string, unit: string, value: number) => metrics.push([name, unit, value]),
        } as never,
        logger: { info: () => undefined, warn: (...args: unknown[]) => warnings.push(args) } as never,
      },
      summary,
    );
    expect(metrics).toEqual([
      ["RecordsIn", "Count", 5],
      ["RecordsOk", "Count", 2],
      ["RecordsDropped", "Count", 1],
      ["RecordsProcessingFailed", "Count", 2],
      ["RecordsOverLimit", "Count", 1],
      ["BytesIn", "Bytes", 900],
      ["BytesOut", "Bytes", 700],
    ]);
    expect(warnings).toEqual([
      [
        "records failed",
        expect.objectContaining({ failed: 2, failures: summary.failures, failuresOmitted: 1 }),
      ],
    ]);
  });
});
