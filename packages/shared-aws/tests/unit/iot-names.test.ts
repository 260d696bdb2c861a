import { describe, expect, it } from "@jest/globals";
import { requireNamePrefix, THING_NAME_OR_ARN, thingNameOf } from "../../src";

describe("IoT names", () => {
  it("takes a thing's name from its ARN, and a name as it is", () => {
    expect(thingNameOf("arn:aws:iot:eu-west-1:123456789012:thing/dev-1")).toBe("dev-1");
    expect(thingNameOf("dev:2")).toBe("dev:2");
    expect(THING_NAME_OR_ARN.test("arn:aws:iot:eu-west-1:123456789012:thing/dev-1")).toBe(true);
    expect(THING_NAME_OR_ARN.test("arn:aws:iot:eu-west-1:123456789012:thinggroup/g")).toBe(false);
    expect(THING_NAME_OR_ARN.test("a/b")).toBe(false);
  });

  it("refuses a name without the stack's prefix, naming the field and the setting; absent fields pass", () => {
    expect(() =>
      requireNamePrefix("fleet-dev-", "GROUP_NAME_PREFIX", { jobId: "fw", streamId: undefined }),
    ).toThrow('jobId: "fw" must start with "fleet-dev-" (GROUP_NAME_PREFIX');
    expect(() =>
      requireNamePrefix("fleet-dev-", "GROUP_NAME_PREFIX", { jobId: "fleet-dev-fw" }),
    ).not.toThrow();
  });
});
