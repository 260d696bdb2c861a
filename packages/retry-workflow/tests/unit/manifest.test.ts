import { existsSync } from "node:fs";
import path from "node:path";
import { handlerResources, manifestProblems, resourceVariables } from "@fleet/manifest";
import { ConfigError } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import { HANDLER_VARS, type HandlerName, handlerConfig, quarantineGroup } from "../../src/config";
import { manifest } from "../../src/index";

const packageDir = path.resolve(import.meta.dirname, "../..");
const names = Object.keys(HANDLER_VARS) as HandlerName[];
const REQUIRED = {
  RETRIES_TABLE: "r",
  BACKUP_TABLE: "b",
  ESCALATION_ARN: "arn:aws:states:eu-west-1:000000000000:stateMachine:e",
  NOTIFICATIONS_TOPIC_ARN: "arn:aws:sns:eu-west-1:000000000000:n",
};

describe("manifest", () => {
  it("names every handler with its entry file and Lambda-sized limits", () => {
    expect(manifest.name).toBe("retry-workflow");
    expect(Object.keys(manifest.handlers).sort()).toEqual([...names].sort());
    for (const [name, spec] of Object.entries(manifest.handlers)) {
      expect(existsSync(path.join(packageDir, spec.entry))).toBe(true);
      expect(spec.entry).toBe(`src/handlers/${name}.ts`);
    }
  });

  it("owns the two tables keyed by device, the topic and the queue with its dead-letter queue", () => {
    expect(manifestProblems(manifest)).toEqual([]);
    expect(manifest.resources).toMatchObject({
      retries: { kind: "table", partitionKey: "deviceId" },
      backups: { kind: "table", partitionKey: "deviceId" },
      notifications: { kind: "topic" },
      outcomes: { kind: "queue", deadLetter: { queue: "dead-letters", maxReceives: 5 } },
      "dead-letters": { kind: "queue" },
    });
    expect(resourceVariables(manifest)).toEqual({
      RETRIES_TABLE: "retries",
      BACKUP_TABLE: "backups",
      ESCALATION_ARN: "escalation",
      NOTIFICATIONS_TOPIC_ARN: "notifications",
    });
    // Only record-outcome starts executions and consumes the queue; only notify publishes.
    expect(handlerResources(manifest.handlers["record-outcome"] as never).sort()).toEqual(
      ["backups", "escalation", "outcomes", "retries"].sort(),
    );
    expect(handlerResources(manifest.handlers.notify as never).sort()).toEqual([
      "backups",
      "notifications",
      "retries",
    ]);
  });

  it("has the seed's numbers and names as defaults, every one configurable, a bad one refused at cold start", () => {
    expect(handlerConfig("record-outcome", REQUIRED)).toMatchObject({
      RETRY_LIMIT: 10,
      COOL_DOWN_SECONDS: 86_400,
      QUARANTINE_WAIT_SECONDS: 900,
    });
    expect(handlerConfig("move-attributes", REQUIRED)).toMatchObject({
      MOVED_ATTRIBUTES: "FW,model",
      MOVE_OUT_VALUE: "moveOut",
      FAILED_VALUE: "failedtoupdate",
    });
    expect(handlerConfig("quarantine", REQUIRED).QUARANTINE_GROUP).toBe("FailedToUpdate");
    expect(() => handlerConfig("record-outcome", { ...REQUIRED, RETRY_LIMIT: "0" })).toThrow(ConfigError);
    expect(() => handlerConfig("record-outcome", { ...REQUIRED, FAILURE_SOURCES: "shadow" })).toThrow(
      /FAILURE_SOURCES/,
    );
    const { RETRIES_TABLE: _, ...without } = REQUIRED;
    expect(() => handlerConfig("device-history", without)).toThrow("RETRIES_TABLE is required but not set");
  });

  it("refuses a quarantine group outside the stack's group prefix", () => {
    expect(
      quarantineGroup({ QUARANTINE_GROUP: "fleet-dev-FailedToUpdate", GROUP_NAME_PREFIX: "fleet-dev-" }),
    ).toBe("fleet-dev-FailedToUpdate");
    expect(() =>
      quarantineGroup({ QUARANTINE_GROUP: "FailedToUpdate", GROUP_NAME_PREFIX: "fleet-dev-" }),
    ).toThrow(ConfigError);
  });
});
