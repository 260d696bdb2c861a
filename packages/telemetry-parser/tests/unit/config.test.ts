import { ConfigError } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import { transformConfig } from "../../src/config";
import { DEFAULT_CONFIG, parseTelemetryConfig } from "../../src/core/config";

const problemsOf = (value: unknown): string[] => {
  try {
    parseTelemetryConfig(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return ((error as ConfigError).details?.problems as string[]) ?? [(error as Error).message];
  }
  throw new Error("the configuration was accepted");
};

describe("the transformation's configuration", () => {
  it("defaults to the seed's behaviour: any topic, device from level 2, JSON Lines by device and day", () => {
    expect(transformConfig({})).toEqual({
      messages: [{ topic: "#", deviceId: { topicLevel: 2 }, drop: [] }],
      output: { format: "jsonl" },
      partitionKeys: [
        { name: "device", source: "deviceId" },
        { name: "dt", source: "date" },
      ],
    });
    expect(DEFAULT_CONFIG).toEqual({ messages: [{ topic: "#" }] });
  });

  it("fails the cold start on text that is not JSON, naming the variable", () => {
    expect(() => transformConfig({ TELEMETRY_CONFIG: "{messages:" })).toThrow(/TELEMETRY_CONFIG is not JSON/);
  });

  it("names every bad field at once", () => {
    const problems = problemsOf({
      messages: [
        {
          topic: "devices/#/x",
          deviceId: { topicLevel: 0 },
          fields: [{ name: "Temp", type: "float" }],
          timestamp: { field: "ts", unit: "minutes" },
        },
      ],
      output: { format: "parquet" },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^messages\.0\.topic: must be an MQTT topic filter/),
        expect.stringMatching(/^messages\.0\.deviceId/),
        expect.stringMatching(/^messages\.0\.fields\.0\.name: must be 1-64 lower-case/),
        expect.stringMatching(/^messages\.0\.fields\.0\.type/),
        expect.stringMatching(/^messages\.0\.timestamp\.unit/),
        expect.stringMatching(/^output/),
      ]),
    );
  });

  it("refuses unknown keys (a misspelt option must not silently do nothing)", () => {
    expect(problemsOf({ messages: [{ topic: "a/#", feilds: [] }] })).toEqual([
      expect.stringMatching(/^messages\.0: Unrecognized key: "feilds"/),
    ]);
  });

  it("refuses a field named like a standard one or twice, a typed flattened field, CSV columns nothing writes", () => {
    const problems = problemsOf({
      messages: [
        {
          topic: "a/+",
          fields: [
            { name: "topic" },
            { name: "t", type: "number" },
            { name: "t" },
            { name: "meta", flatten: true, type: "json" },
          ],
        },
      ],
      output: { format: "csv", columns: ["topic", "t", "meta_fw", "humidity"] },
    });
    expect(problems).toEqual([
      "(root): messages.0.fields: topic is a standard field or named twice",
      "(root): messages.0.fields: t is a standard field or named twice",
      "(root): messages.0.fields.3: a flattened field keeps its leaves' types; give no type",
      "(root): output.columns: humidity is written by no message type",
    ]);
  });

  it("refuses a partition key on a field some message type does not require", () => {
    const problems = problemsOf({
      messages: [{ topic: "a/+", fields: [{ name: "site" }] }],
      partitionKeys: [{ name: "site", source: "field", field: "site" }],
    });
    expect(problems).toEqual(["(root): partitionKeys.0: messages.0 has no required field site"]);
    expect(
      problemsOf({ messages: [{ topic: "#" }], partitionKeys: [{ name: "x", source: "field" }] }),
    ).toEqual(["(root): partitionKeys.0: give field exactly when source is field"]);
  });

  it("refuses no partition key, a key named like a standard column or a CSV column, a key on a flattened or JSON field", () => {
    expect(problemsOf({ messages: [{ topic: "#" }], partitionKeys: [] })).toEqual([
      expect.stringMatching(/^partitionKeys: .*>=1/),
    ]);
    expect(
      problemsOf({
        messages: [
          {
            topic: "#",
            fields: [
              { name: "site", required: true },
              { name: "meta", type: "json", required: true },
            ],
          },
        ],
        output: { format: "csv", columns: ["site"] },
        partitionKeys: [
          { name: "timestamp", source: "date" },
          { name: "site", source: "field", field: "site" },
          { name: "m", source: "field", field: "meta" },
        ],
      }),
    ).toEqual([
      "(root): partitionKeys.0: timestamp is a standard column; the table would lose it",
      "(root): partitionKeys.1: site is also a CSV column; the table reads partition keys from the prefix",
      "(root): partitionKeys.2: meta is flattened or JSON, no partition value",
    ]);
  });
});
