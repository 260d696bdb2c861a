// Schema checks outside the handler wrapper (cursors, files, job documents) speak the same language. Any zod 4
// schema works, `zod/mini` or classic: parsing goes through zod's core, and the English messages are passed to
// each parse, so a `zod/mini` bundle carries one locale and no global zod configuration is needed.
import { type $ZodIssue, type $ZodType, type output, safeParse } from "zod/v4/core";
import english from "zod/v4/locales/en.js";
import { ValidationError } from "./errors";

const { localeError } = english();

/** One line per bad field: `seedConfigNumber: Too big: expected number to be <=1000000`. */
export function formatIssues(issues: readonly $ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return `${path || "(root)"}: ${issue.message}`;
  });
}

/** Parses `value` with `schema` or throws a ValidationError naming every bad field of `subject`. */
export function parseOrThrow<S extends $ZodType>(schema: S, value: unknown, subject = "input"): output<S> {
  const parsed = safeParse(schema, value, { error: localeError });
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error.issues), subject);
  return parsed.data;
}
