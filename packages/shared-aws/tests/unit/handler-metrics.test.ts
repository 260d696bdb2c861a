import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { afterEach, describe, expect, it, jest } from "@jest/globals";
import * as z from "zod/mini";

// The namespace is read when the container's handler is defined, as in Lambda.
process.env.POWERTOOLS_METRICS_NAMESPACE = "fleet-test";
const { defineHandler, publishMetrics } = await import("../../src");
const { localContext } = await import("../../src/testing");

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** The EMF lines printed on stdout while `run` runs. */
async function emfLinesOf(run: () => Promise<unknown>): Promise<EmfLine[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((line) => line.split("\n").filter(Boolean)).map((line) => JSON.parse(line));
}

const metricNames = (line: EmfLine) => line._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort();

const step = defineHandler({
  name: "metrics-test",
  schema: z.object({ done: z.boolean(), fail: z._default(z.boolean(), false) }),
  handler: async (event, { metrics }) => {
    metrics.addMetric("pagesRead", MetricUnit.Count, 2);
    if (event.fail) throw new Error("boom");
    return {
      done: event.done,
      cursor: event.done ? null : { at: 1 },
      counts: event.done ? { created: 10, existed: 3 } : { created: 5 },
      failures: [],
      run: { attempts: 7, throttles: 2, achievedRate: 3.5 },
    };
  },
});
const context = () => localContext({ functionName: "fn-metrics" });

describe("handler metrics", () => {
  it("flushes one EMF line per invocation: cold start once, counts when the step is done, calls every time", async () => {
    const [first, ...restOfFirst] = await emfLinesOf(() => step({ done: false }, context()));
    expect(restOfFirst).toEqual([]);
    expect(first?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: "fleet-test",
      Dimensions: [["service"]],
    });
    expect(first).toMatchObject({
      service: "metrics-test",
      ColdStart: 1,
      pagesRead: 2,
      attempts: 7,
      throttles: 2,
    });
    expect(first && metricNames(first)).toEqual(["ColdStart", "attempts", "pagesRead", "throttles"]);

    const [second, ...restOfSecond] = await emfLinesOf(() => step({ done: true }, context()));
    expect(restOfSecond).toEqual([]);
    expect(second).toMatchObject({ created: 10, existed: 3, attempts: 7, throttles: 2, pagesRead: 2 });
    expect(second && metricNames(second)).toEqual([
      "attempts",
      "created",
      "existed",
      "pagesRead",
      "throttles",
    ]);
  });

  it("flushes what a failed invocation recorded, and prints nothing when nothing was recorded", async () => {
    const [failed, ...rest] = await emfLinesOf(() =>
      step({ done: true, fail: true }, context()).catch(() => null),
    );
    expect(rest).toEqual([]);
    expect(failed && metricNames(failed)).toEqual(["pagesRead"]);

    const rejected = await emfLinesOf(() => step({ done: "yes" } as never, context()).catch(() => null));
    expect(rejected).toEqual([]);
  });
});

describe("publishMetrics", () => {
  const saved = process.env.POWERTOOLS_METRICS_NAMESPACE;
  afterEach(() => {
    process.env.POWERTOOLS_METRICS_NAMESPACE = saved;
  });

  it("with no namespace prints nothing and drops what was recorded", async () => {
    delete process.env.POWERTOOLS_METRICS_NAMESPACE;
    const metrics = new Metrics({ serviceName: "quiet" });
    const middleware = publishMetrics(metrics);
    const request = { response: { done: true, counts: { created: 1 } } } as never;
    const lines = await emfLinesOf(async () => {
      await middleware.before?.(request);
      await middleware.after?.(request);
    });
    expect(lines).toEqual([]);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });
});
