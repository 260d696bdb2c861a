import { describe, expect, it } from "@jest/globals";
import { ConfigError, env, variableTable } from "../../src/index";

const table = variableTable(
  {
    TABLE: { spec: env.string(), required: true, description: "the table", resource: "items" },
    LIMIT: { spec: env.number({ default: 10, min: 1 }), required: false, description: "the limit" },
  },
  { reader: ["TABLE", "LIMIT"], counter: ["LIMIT"] } as const,
);

describe("variableTable", () => {
  it("loads only the handler's variables, defaults applied", () => {
    expect(table.config("reader", { TABLE: "t" })).toEqual({ TABLE: "t", LIMIT: 10 });
    expect(table.config("counter", { LIMIT: "3", TABLE: "ignored" })).toEqual({ LIMIT: 3 });
  });

  it("fails a cold start naming each missing or malformed variable", () => {
    expect(() => table.config("reader", { LIMIT: "0" })).toThrow(ConfigError);
    expect(() => table.config("reader", { LIMIT: "0" })).toThrow(/TABLE is required.*LIMIT must be/);
  });

  it("gives the manifest each handler's variables with the resource they carry", () => {
    expect(table.env("reader")).toEqual({
      TABLE: { required: true, description: "the table", resource: "items" },
      LIMIT: { required: false, description: "the limit" },
    });
    expect(Object.keys(table.env("counter"))).toEqual(["LIMIT"]);
  });
});
