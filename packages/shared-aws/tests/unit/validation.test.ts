import { describe, expect, it } from "@jest/globals";
import * as classic from "zod";
import * as z from "zod/mini";
import { parseOrThrow, ValidationError } from "../../src";

const failure = (run: () => unknown): ValidationError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
};

describe("parseOrThrow", () => {
  const cursor = z.strictObject({
    position: z.object({ pageToken: z.nullable(z.string()), skip: z.int().check(z.minimum(0)) }),
    names: z.array(z.string().check(z.minLength(1, "must not be empty"))),
  });

  it("returns the schema's output, defaults applied", () => {
    const schema = z.object({ rate: z._default(z.number(), 100) });
    expect(parseOrThrow(schema, {})).toEqual({ rate: 100 });
  });

  it("gives zod/mini schemas English messages, one line per bad field with its full path", () => {
    const error = failure(() =>
      parseOrThrow(cursor, { position: { pageToken: 7, skip: -1 }, names: ["a", ""], extra: 1 }, "cursor"),
    );
    expect(error.issues).toEqual([
      "position.pageToken: Invalid input: expected string, received number",
      "position.skip: Too small: expected number to be >=0",
      "names.1: must not be empty",
      '(root): Unrecognized key: "extra"',
    ]);
    expect(error.message).toBe(`Invalid cursor: ${error.issues.join("; ")}`);
  });

  it("takes classic zod schemas too, alone or inside a zod/mini schema", () => {
    const classicCursor = classic.object({ skip: classic.number().int().min(0) });
    expect(failure(() => parseOrThrow(classicCursor, { skip: 1.5 })).issues).toEqual([
      "skip: Invalid input: expected int, received number",
    ]);
    const mixed = z.object({ cursor: z.optional(classicCursor) });
    expect(failure(() => parseOrThrow(mixed, { cursor: { skip: -1 } })).issues).toEqual([
      "cursor.skip: Too small: expected number to be >=0",
    ]);
  });
});
