import { describe, expect, it } from "@jest/globals";
import { ConfigError, env, loadConfig } from "../../src";

const spec = {
  LISTS_BUCKET: env.string(),
  RATE_CREATE_THING: env.number({ default: 100, min: 1, max: 10_000 }),
  CONCURRENCY: env.number({ default: 8, min: 1, max: 64, integer: true }),
  DRY_RUN: env.boolean({ default: false }),
  IOT_DATA_ENDPOINT: env.optionalString(),
};

describe("loadConfig", () => {
  it("applies defaults and parses values", () => {
    const config = loadConfig(spec, { LISTS_BUCKET: " lists ", RATE_CREATE_THING: "50", DRY_RUN: "true" });
    expect(config).toEqual({
      LISTS_BUCKET: "lists",
      RATE_CREATE_THING: 50,
      CONCURRENCY: 8,
      DRY_RUN: true,
      IOT_DATA_ENDPOINT: undefined,
    });
  });

  it("names every missing or malformed variable in one error", () => {
    let caught: unknown;
    try {
      loadConfig(spec, { RATE_CREATE_THING: "fast", CONCURRENCY: "2.5", DRY_RUN: "maybe" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain("LISTS_BUCKET is required but not set");
    expect(message).toContain('RATE_CREATE_THING must be a number from 1 to 10000, got "fast"');
    expect(message).toContain('CONCURRENCY must be an integer from 1 to 64, got "2.5"');
    expect(message).toContain('DRY_RUN must be true or false, got "maybe"');
    expect((caught as ConfigError).details?.problems).toHaveLength(4);
  });

  it("rejects a value outside its range", () => {
    expect(() => loadConfig(spec, { LISTS_BUCKET: "b", RATE_CREATE_THING: "0" })).toThrow(
      'RATE_CREATE_THING must be a number from 1 to 10000, got "0"',
    );
  });

  it("checks a pattern", () => {
    const patterned = { NAME: env.string({ pattern: /^[a-z]+$/ }) };
    expect(() => loadConfig(patterned, { NAME: "Bad-Name" })).toThrow("NAME must match");
  });
});
