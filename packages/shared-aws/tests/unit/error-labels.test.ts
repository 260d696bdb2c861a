// Only AWS's answers are labelled AWS errors: a bad byte in a file or a bug is reported under its own name.
import { describe, expect, it } from "@jest/globals";
import { normalizeError, splitLines } from "../../src";

describe("normalizeError labels", () => {
  it("names the AWS error of an AWS answer (it carries $metadata)", () => {
    const answer = Object.assign(new Error("denied"), {
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    expect(normalizeError(answer).details).toEqual({ awsErrorName: "AccessDenied", httpStatusCode: 403 });
  });

  it("does not call anything else an AWS error", () => {
    const bug = normalizeError(new TypeError("x is undefined"));
    expect(bug).toMatchObject({ name: "TypeError", details: undefined });
  });

  it("passes an unreadable line through under its own name", async () => {
    const read = async () => {
      for await (const _ of splitLines([new Uint8Array([0x61, 0xff, 0x0a])], { source: "s3://b/k" })) {
        // consume
      }
    };
    const error = await read().catch(normalizeError);
    expect(error).toMatchObject({ name: "UnreadableLine", details: undefined, retryable: false });
    expect(String(error)).toContain("s3://b/k: line 1 (bytes 0–2) is not valid UTF-8");
  });
});
