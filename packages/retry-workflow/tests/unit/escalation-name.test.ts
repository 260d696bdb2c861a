// The execution name is the claim's second lock: one per device and epoch, valid for Step Functions.
import { describe, expect, it } from "@jest/globals";
import { executionName } from "../../src/core/escalation";

const VALID = /^[a-zA-Z0-9_-]{1,80}$/;

describe("executionName", () => {
  it("is <device>-e<epoch> for a plain thing name", () => {
    expect(executionName("3hwC2y7", 2)).toBe("3hwC2y7-e2");
  });

  it("is valid, at most 80 characters and still distinct for names with colons or of 128 characters", () => {
    const names = ["a:b", "a_b", "x".repeat(128), `${"x".repeat(127)}y`, "thing:with:colons"];
    const derived = names.map((name) => executionName(name, 12345));
    for (const name of derived) expect(name).toMatch(VALID);
    expect(new Set(derived).size).toBe(names.length);
    expect(executionName("a:b", 3)).toBe(executionName("a:b", 3));
    expect(executionName("a:b", 3)).not.toBe(executionName("a:b", 4));
  });
});
