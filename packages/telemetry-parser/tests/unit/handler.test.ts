import { localContext } from "@fleet/shared-aws/testing";
import { describe, expect, it, jest } from "@jest/globals";
import badRecords from "../../events/transform.bad-records.json" with { type: "json" };
import sample from "../../events/transform.json" with { type: "json" };
import { recordBatch } from "../../src/core/batch-metrics";
import { record } from "../support/records";

// The namespace is read when the container's handler is defined, as in Lambda.
process.env.POWERTOOLS_METRICS_NAMESPACE = "fleet-test";
const { handler } = await import("../../src/handlers/transform");

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

/** The JSON lines (EMF metrics among them) the handler prints while `run` runs. */
async function printedLines(run: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return chunks
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("per-batch metrics and logs", () => {
  it("the handler emits the batch's counts as CloudWatch metrics (EMF) on every invocation", async () => {
    const lines = await printedLines(() => invoke(badRecords));
    const emf = lines.filter((line) => "_aws" in line);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      RecordsIn: 6,
      RecordsOk: 2,
      RecordsDropped: 0,
      RecordsProcessingFailed: 4,
      RecordsOverLimit: 0,
    });
    expect(emf[0]?.BytesIn).toBeGreaterThan(0);
    expect(emf[0]?.BytesOut).toBeGreaterThan(0);
  });

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
