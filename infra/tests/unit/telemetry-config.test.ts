// fleet:telemetryParser.component is checked as a whole before anything is created.
import { manifest } from "@fleet/telemetry-parser";
import { describe, expect, it } from "@jest/globals";
import { planHandlerPackage } from "../../src/components/handler-package";
import { parsePipelineConfig } from "../../src/components/telemetry-pipeline";
import { TELEMETRY_PARSER_PERMISSIONS } from "../../src/policies/telemetry-parser";

const valid = {
  topic: "fleet-dev/telemetry",
  buffering: {
    processorSizeMb: 1,
    processorIntervalSeconds: 60,
    deliverySizeMb: 64,
    deliveryIntervalSeconds: 60,
    backupSizeMb: 1,
    backupIntervalSeconds: 60,
  },
  expiryDays: { data: 30, raw: 7 },
  transform: { messages: [{ topic: "fleet-dev/telemetry/#", deviceId: { topicLevel: 3 } }] },
};

describe("the pipeline's configuration", () => {
  it("accepts the shipped shape, with the transformation's defaults filled in", () => {
    expect(parsePipelineConfig(valid).transform).toEqual({
      messages: [{ topic: "fleet-dev/telemetry/#", deviceId: { topicLevel: 3 }, drop: [] }],
      output: { format: "jsonl" },
      partitionKeys: [
        { name: "device", source: "deviceId" },
        { name: "dt", source: "date" },
      ],
    });
  });

  it("names every bad key at once", () => {
    const attempt = () =>
      parsePipelineConfig({
        topic: "fleet/+/telemetry",
        buffering: {
          processorSizeMb: 6,
          processorIntervalSeconds: 60,
          deliverySizeMb: 1,
          deliveryIntervalSeconds: 60,
          backupSizeMb: 1,
          backupIntervalSeconds: 0,
        },
        expiryDays: { data: 0 },
        transform: { messages: [{ topic: "x/#", fields: [{ name: "Bad" }] }] },
      });
    expect(attempt).toThrow(/component\.topic must be 1-6 levels/);
    expect(attempt).toThrow(/buffering\.processorSizeMb must be an integer from 1 to 3/);
    expect(attempt).toThrow(
      /buffering\.deliverySizeMb must be an integer from 64 to 128 \(dynamic partitioning\)/,
    );
    // The raw backup has no zero buffering.
    expect(attempt).toThrow(/buffering\.backupIntervalSeconds must be an integer from 60 to 900/);
    expect(attempt).toThrow(/expiryDays\.data must be/);
    expect(attempt).toThrow(/expiryDays\.raw must be/);
    expect(attempt).toThrow(
      /Invalid fleet:telemetryParser\.component\.transform: messages\.0\.fields\.0\.name/,
    );
  });

  it("ties the device id to the level the device policy binds to the thing name, never a payload field", () => {
    expect(() =>
      parsePipelineConfig({ ...valid, transform: { messages: [{ topic: "fleet-dev/telemetry/#" }] } }),
    ).toThrow("fleet:telemetryParser.component.transform.messages.0.deviceId must be { topicLevel: 3 }");
    expect(() =>
      parsePipelineConfig({
        ...valid,
        transform: { messages: [{ topic: "fleet-dev/telemetry/#", deviceId: { field: "device.id" } }] },
      }),
    ).toThrow(/messages\.0\.deviceId must be \{ topicLevel: 3 \}.*a payload field could name any device/);
  });

  it("refuses a message type whose topic filter is not under the rule's topic", () => {
    expect(() =>
      parsePipelineConfig({
        ...valid,
        transform: { messages: [{ topic: "other/telemetry/#", deviceId: { topicLevel: 3 } }] },
      }),
    ).toThrow(
      "fleet:telemetryParser.component.transform.messages.0.topic must lie under fleet-dev/telemetry/",
    );
  });

  it("refuses a layout without partition keys (Firehose's prefix needs one)", () => {
    expect(() =>
      parsePipelineConfig({ ...valid, transform: { ...valid.transform, partitionKeys: [] } }),
    ).toThrow(/transform: partitionKeys/);
  });

  it("refuses a transform configuration too large for the function's environment", () => {
    const drop = Array.from({ length: 200 }, (_, i) => ({ field: `field_${i}`, equals: "x".repeat(20) }));
    expect(() =>
      parsePipelineConfig({ ...valid, transform: { messages: [{ ...valid.transform.messages[0], drop }] } }),
    ).toThrow(/bytes as JSON, more than the 3072 a Lambda environment can hold/);
  });

  it("says what is missing when the block is absent", () => {
    expect(() => parsePipelineConfig(undefined)).toThrow(
      "fleet:telemetryParser.component is missing: topic, buffering, expiryDays and transform",
    );
  });
});

describe("bucket expiry through the package's deployment", () => {
  it("is refused for a name that is no bucket of the package, before anything exists", () => {
    expect(() =>
      planHandlerPackage({
        repoRoot: "/nowhere",
        logRetentionDays: 7,
        namePrefix: "fleet-dev-",
        iot: { thingNamePrefix: "fleet-test-dev-", groupNamePrefix: "fleet-dev-" },
        testFleetTools: false,
        rates: {},
        settings: {},
        manifest,
        permissions: TELEMETRY_PARSER_PERMISSIONS,
        supplied: { TELEMETRY_CONFIG: "{}" },
        bucketExpiryDays: { data: 30, transform: 7 },
      }),
    ).toThrow("telemetry-parser: expiry days for transform, which is no bucket of telemetry-parser");
  });
});
