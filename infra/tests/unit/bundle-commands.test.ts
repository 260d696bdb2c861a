import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import { bundledOperations, requiredActions } from "../support/bundle-commands";

describe("the AWS operations a bundle can send", () => {
  it("reads command classes from minified output, leaving SDK credential internals out", () => {
    const file = path.join(tmpdir(), `bundle-${process.pid}.mjs`);
    writeFileSync(
      file,
      'var a=class extends y6(x6,S6,"DescribeIndex",m6){};var b=class extends mi(fi,gi,"AssumeRole",j){};' +
        'const names={d:"DeleteThing"};var c=class extends mi(fi,gi,"UpdateThingShadow",q){};',
    );
    expect(bundledOperations(file)).toEqual(["DescribeIndex", "UpdateThingShadow"]);
  });

  it("maps operations to IAM actions; DescribeEndpoint only without IOT_DATA_ENDPOINT", () => {
    expect(requiredActions(["HeadObject", "DescribeEndpoint"], {})).toEqual([
      "s3:GetObject",
      "iot:DescribeEndpoint",
    ]);
    expect(requiredActions(["HeadObject", "DescribeEndpoint"], { IOT_DATA_ENDPOINT: "x" })).toEqual([
      "s3:GetObject",
    ]);
  });

  it("refuses an operation it has no action for, so a new call cannot slip through unchecked", () => {
    expect(() => requiredActions(["TagResource"], {})).toThrow("no IAM action known for TagResource");
  });
});
