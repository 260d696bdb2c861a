import { describe, expect, it } from "@jest/globals";
import { referencedHandlers, substituteFunctionArns } from "../../src/state-machine";

const definition = {
  StartAt: "A",
  States: {
    A: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "${step-a}" },
      Next: "B",
    },
    B: {
      Type: "Parallel",
      Branches: [{ StartAt: "C", States: { C: { Type: "Task", Resource: "${step-b}", End: true } } }],
      Next: "D",
    },
    D: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "${step-a}", "x.$": "$.x" },
      End: true,
    },
  },
};
const arns = {
  "step-a": "arn:aws:lambda:eu-west-1:123456789012:function:a",
  "step-b": "arn:aws:lambda:eu-west-1:123456789012:function:b",
};

describe("referencedHandlers", () => {
  it("finds every placeholder once, nested states included", () => {
    expect(referencedHandlers(definition)).toEqual(["step-a", "step-b"]);
  });
});

describe("substituteFunctionArns", () => {
  it("replaces every placeholder and leaves JSONPath untouched", () => {
    const result = substituteFunctionArns(definition, arns);
    expect(JSON.stringify(result)).not.toContain("${");
    expect(result).toMatchObject({
      States: {
        A: { Parameters: { FunctionName: arns["step-a"] } },
        B: { Branches: [{ States: { C: { Resource: arns["step-b"] } } }] },
        D: { Parameters: { FunctionName: arns["step-a"], "x.$": "$.x" } },
      },
    });
  });

  it("refuses a placeholder that names no function", () => {
    expect(() => substituteFunctionArns(definition, { "step-a": arns["step-a"] })).toThrow(
      "the definition refers to ${step-b}, which is no function",
    );
  });

  it("does not change its argument", () => {
    const copy = structuredClone(definition);
    substituteFunctionArns(definition, arns);
    expect(definition).toEqual(copy);
  });
});
