// Schema checks outside the handler wrapper (cursors, files, job documents) speak the same language.
import type { z } from "zod";
import { ValidationError } from "./errors";

/** One line per bad field: `seedConfigNumber: Too big: expected number to be <=1000000`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return `${path || "(root)"}: ${issue.message}`;
  });
}

/** Parses `value` with `schema` or throws a ValidationError naming every bad field of `subject`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, subject = "input"): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error.issues), subject);
  return parsed.data;
}
