// The topic rules' SQL and the model the scene and the integration test apply: the broker's topic and time, never
// the payload's.
import { describe, expect, it } from "@jest/globals";
import { applyRules, RESERVED_KEYS_REASON, refusedRuleSql, ruleSql } from "../../src/core/rule";

describe("the topic rules", () => {
  it("forward only payloads without topic or receivedAt; the twin takes exactly the others", () => {
    expect(ruleSql("fleet/telemetry")).toBe(
      "SELECT topic() AS topic, timestamp() AS receivedAt, * FROM 'fleet/telemetry/#' WHERE isUndefined(topic) AND isUndefined(receivedAt)",
    );
    expect(refusedRuleSql("fleet/telemetry")).toMatch(
      / AS reason, encode\(\*, 'base64'\) AS payload FROM 'fleet\/telemetry\/#' WHERE NOT \(isUndefined\(topic\) AND isUndefined\(receivedAt\)\)$/,
    );
  });

  it("model: the broker's topic and time are added to a clean payload", () => {
    expect(applyRules("fleet/t/pump-1/env", 5, '{"v":1,"deviceId":"pump-2"}')).toEqual({
      to: "stream",
      record: '{"topic":"fleet/t/pump-1/env","receivedAt":5,"v":1,"deviceId":"pump-2"}\n',
    });
  });

  it.each([['{"topic":"fleet/t/pump-2/env","v":1}'], ['{"receivedAt":0,"v":1}'], ['{"topic":null}']])(
    "model: %s goes to rule-errors with the reason and the payload as published",
    (payload) => {
      expect(applyRules("fleet/t/pump-1/env", 5, payload)).toEqual({
        to: "rule-errors",
        record: {
          topic: "fleet/t/pump-1/env",
          receivedAt: 5,
          reason: RESERVED_KEYS_REASON,
          payload: Buffer.from(payload).toString("base64"),
        },
      });
    },
  );

  it("model: a key only inherited from Object (toString) or nested is no reserved key; non-JSON is forwarded", () => {
    expect(applyRules("a/b", 1, '{"toString":1,"x":{"topic":"c"}}').to).toBe("stream");
    expect(applyRules("a/b", 1, "not json")).toEqual({ to: "stream", record: "not json\n" });
  });
});
