import { describe, expect, it } from "@jest/globals";
import { parseTelemetryConfig } from "../../src/core/config";
import { dataPrefix, fileExtension, projectionParameters, tableColumns } from "../../src/core/layout";
import { resolvePrefix } from "../../src/testing/index";

const config = parseTelemetryConfig({
  messages: [
    {
      topic: "a/#",
      fields: [
        { name: "temperature", type: "number", required: true },
        { name: "count", type: "integer", required: true },
        { name: "site", required: true },
        { name: "meta", flatten: true },
        { name: "at", type: "timestamp" },
      ],
    },
    {
      topic: "b/#",
      fields: [
        { name: "count", type: "string" },
        { name: "site", required: true },
      ],
    },
  ],
  partitionKeys: [
    { name: "site", source: "field", field: "site" },
    { name: "dt", source: "date" },
  ],
});

describe("where records land, as Firehose, Glue and the driver agree on it", () => {
  it("prefixes by every partition key, in order, with Firehose's Lambda-key expressions", () => {
    expect(dataPrefix(config)).toBe(
      "data/site=!{partitionKeyFromLambda:site}/dt=!{partitionKeyFromLambda:dt}/",
    );
    expect(resolvePrefix(dataPrefix(config), new Date(), { site: "plant-3", dt: "2026-11-28" })).toBe(
      "data/site=plant-3/dt=2026-11-28/",
    );
    expect(fileExtension(config)).toBe(".jsonl.gz");
  });

  it("declares the standard and typed columns, a type two message types disagree on as string, no partition key twice", () => {
    expect(tableColumns(config)).toEqual([
      { name: "topic", type: "string" },
      { name: "deviceid", type: "string" },
      { name: "timestamp", type: "string" },
      { name: "receivedat", type: "string" },
      { name: "temperature", type: "double" },
      { name: "count", type: "string" },
      { name: "at", type: "string" },
    ]);
  });

  it("declares CSV's fixed columns in their order", () => {
    const csv = parseTelemetryConfig({
      messages: [
        {
          topic: "#",
          fields: [
            { name: "level", type: "integer" },
            { name: "meta", flatten: true },
          ],
        },
      ],
      output: { format: "csv", columns: ["deviceId", "level", "meta_fw"] },
    });
    expect(tableColumns(csv)).toEqual([
      { name: "deviceid", type: "string" },
      { name: "level", type: "string" },
      { name: "meta_fw", type: "string" },
    ]);
    expect(fileExtension(csv)).toBe(".csv.gz");
  });

  it("projects dates as a range and other keys as injected values, at the prefix's location", () => {
    expect(projectionParameters("bucket-1", config)).toEqual({
      "projection.enabled": "true",
      "storage.location.template": "s3://bucket-1/data/site=${site}/dt=${dt}/",
      "projection.site.type": "injected",
      "projection.dt.type": "date",
      "projection.dt.format": "yyyy-MM-dd",
      "projection.dt.range": "2000-01-01,NOW+1DAYS",
      "projection.dt.interval": "1",
      "projection.dt.interval.unit": "DAYS",
    });
  });
});
