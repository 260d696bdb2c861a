import { CreateThingCommand, IoTClient } from "@aws-sdk/client-iot";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import * as z from "zod/mini";
import { type AppError, awsClient, defineHandler, TransientError, ValidationError } from "../../src";
import { localContext } from "../../src/testing";

const iot = mockClient(IoTClient);
afterEach(() => {
  iot.reset();
});

const schema = z.object({
  mode: z.enum(["seed", "delete"]),
  prefix: z._default(z.string().check(z.regex(/^[a-zA-Z0-9_-]+$/)), "delete123Me"),
  count: z._default(z.int().check(z.minimum(1), z.maximum(1_000_000)), 2000),
});

const handler = defineHandler({
  name: "test-handler",
  schema,
  handler: async (event, { deadline }) => {
    await awsClient(IoTClient).send(new CreateThingCommand({ thingName: `${event.prefix}0` }));
    return { event, deadlineInFuture: deadline > Date.now() };
  },
});
const context = () => localContext({ functionName: "test-fn", timeoutMs: 60_000 });

describe("defineHandler", () => {
  it("applies schema defaults before the handler runs", async () => {
    iot.on(CreateThingCommand).resolves({ thingName: "delete123Me0" });
    const result = await handler({ mode: "seed" }, context());
    expect(result).toEqual({
      event: { mode: "seed", prefix: "delete123Me", count: 2000 },
      deadlineInFuture: true,
    });
  });

  it("rejects a bad event with one message per bad field and makes no AWS call", async () => {
    const bad = handler({ mode: "grow", prefix: "bad name!", count: 0 } as never, context());
    await expect(bad).rejects.toBeInstanceOf(ValidationError);
    const error = (await bad.catch((e: unknown) => e)) as ValidationError;
    expect(error.issues).toHaveLength(3);
    expect(error.issues[0]).toMatch(/^mode: /);
    expect(error.issues[1]).toMatch(/^prefix: /);
    expect(error.issues[2]).toMatch(/^count: Too small/);
    expect(error.message).toMatch(/^Invalid event: mode: .*; prefix: .*; count: /);
    expect(iot.calls()).toHaveLength(0);
  });

  it("treats a missing event as an empty object", async () => {
    await expect(handler(undefined as never, context())).rejects.toThrow("Invalid event: mode:");
    expect(iot.calls()).toHaveLength(0);
  });

  it("normalises AWS errors: throttling leaves as a retryable TransientError with its cause", async () => {
    const throttle = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    });
    iot.on(CreateThingCommand).rejects(throttle);
    const error = (await handler({ mode: "seed" }, context()).catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(TransientError);
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(throttle);
  });
});
