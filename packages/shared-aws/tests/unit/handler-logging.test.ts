import { describe, expect, it, jest } from "@jest/globals";
import * as z from "zod/mini";

// The level is read when the container's logger is created, as in Lambda.
process.env.POWERTOOLS_LOG_LEVEL = "INFO";
const { containerLogger, defineHandler } = await import("../../src");
const { localContext } = await import("../../src/testing");

const handler = defineHandler({
  name: "logging-test",
  schema: z.object({ n: z.number() }),
  handler: async (event, { logger }) => {
    logger.info("working", { n: event.n });
    return event.n;
  },
});

describe("handler logging", () => {
  it("puts the request id and function name in every line, including the rejection of a bad event", async () => {
    // Powertools writes JSON lines through its own Console instance.
    const sink = (containerLogger("logging-test") as unknown as { console: Console }).console;
    const lines: string[] = [];
    const spies = (["info", "warn", "error"] as const).map((level) =>
      jest.spyOn(sink, level).mockImplementation((line: unknown) => {
        lines.push(String(line));
      }),
    );
    const good = localContext({ functionName: "fn-a" });
    const bad = localContext({ functionName: "fn-b" });
    await handler({ n: 1 }, good);
    await handler({ n: "one" } as never, bad).catch(() => undefined);
    for (const spy of spies) spy.mockRestore();

    const records = lines.map((line) => JSON.parse(line));
    expect(records.map((r) => [r.message, r.function_name, r.function_request_id])).toEqual([
      ["working", "fn-a", good.awsRequestId],
      ["handled", "fn-a", good.awsRequestId],
      ["rejected event", "fn-b", bad.awsRequestId],
    ]);
    expect(records[1].durationMs).toEqual(expect.any(Number));
    expect(records[2].error).toEqual({
      name: "ValidationError",
      message: expect.stringContaining("n: "),
      retryable: false,
    });
    expect(records[2].issues).toEqual([expect.stringMatching(/^n: Invalid input: expected number/)]);
  });
});
