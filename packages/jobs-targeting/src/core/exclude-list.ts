// Exclude lists: an S3 object with one thing name a line, in UTF-8 (with or without a byte-order mark) or UTF-16
// with one (LF, CRLF or CR; blank lines and surrounding whitespace ignored; undecodable bytes are an error).
// A line that is not a thing name may be a device the user meant to protect, so a list with one is refused
// (ExclusionsIncomplete) before anything is targeted around it; so is a list with no names at all. A list is
// read at a pinned version (its ETag, and its VersionId in a versioned bucket), so every reader — each fill
// invocation, fast-track — sees the very names the exclude group was filled from, or refuses.
import type { S3Client } from "@aws-sdk/client-s3";
import {
  AppError,
  ConflictError,
  errorName,
  NotFoundError,
  readS3Lines,
  ValidationError,
} from "@fleet/shared-aws";
import * as z from "zod/mini";
import { thingNameProblem } from "./names";
import { headObject, type ObjectLocation } from "./s3-objects";

/** The version of a list that was read: what later readers must read too. */
export const listVersionSchema = z.strictObject({
  etag: z.string(),
  /** null in a bucket without versioning: the ETag alone pins it then. */
  versionId: z.nullable(z.string()),
});
export type ListVersion = z.infer<typeof listVersionSchema>;

export type ListEntry =
  | { kind: "name"; name: string; line: number; end: number }
  /** `text` is cut to 160 characters: it is shown, in results that Step Functions caps at 256 KB. */
  | { kind: "invalid"; text: string; reason: string; line: number; end: number };

const SHOWN = 160;

/** Where to read on: the byte offset after the last line read, and the number of the next physical line. */
export interface ListPosition {
  from: number;
  line: number;
}

export const LIST_START: ListPosition = { from: 0, line: 1 };

const describe = (list: ObjectLocation) => `s3://${list.bucket}/${list.key}`;

/** The list's current version. */
export async function currentListVersion(s3: S3Client, list: ObjectLocation): Promise<ListVersion> {
  const { etag, versionId } = await headObject(s3, list);
  return { etag, versionId };
}

/** Refuses a list whose current version is not the pinned one: its lines are no longer the ones read before. */
export function checkUnchanged(
  list: ObjectLocation,
  pinned: ListVersion,
  current: ListVersion,
  context: { since: string; advice: string },
): void {
  if (pinned.etag === current.etag && pinned.versionId === current.versionId) return;
  const show = (v: ListVersion) =>
    v.versionId ? `version ${v.versionId}, etag ${v.etag}` : `etag ${v.etag}`;
  throw new ConflictError(
    `${describe(list)} changed since ${context.since} (${show(pinned)}; now ${show(current)}): ${context.advice}`,
  );
}

/** The list's entries from `at` on; `end` is where to resume after each entry, `line + 1` its next line. */
export async function* readExcludeList(
  s3: S3Client,
  list: ObjectLocation,
  at: ListPosition = LIST_START,
  version?: ListVersion,
): AsyncGenerator<ListEntry> {
  const source = {
    ...list,
    from: at.from,
    ...(version
      ? { etag: version.etag, ...(version.versionId ? { versionId: version.versionId } : {}) }
      : {}),
  };
  try {
    for await (const line of readS3Lines(s3, source, { firstLineNumber: at.line })) {
      const reason = nameProblem(line.text);
      yield reason
        ? {
            kind: "invalid",
            text: line.text.length > SHOWN ? `${line.text.slice(0, SHOWN)}…` : line.text,
            reason: `line ${line.number}: not a thing name (${reason})`,
            line: line.number,
            end: line.end,
          }
        : { kind: "name", name: line.text, line: line.number, end: line.end };
    }
  } catch (error) {
    throw pinnedReadError(list, version, error);
  }
}

/** Why `text` is not a thing name; NUL characters are what UTF-16 saved without a byte-order mark looks like. */
function nameProblem(text: string): string | undefined {
  if (text.includes("\u0000")) {
    return "it contains NUL characters: UTF-16 saved without a byte-order mark? Save the list as UTF-8";
  }
  return thingNameProblem(text);
}

/** S3's answers to a pinned read of a version that is gone or an object that changed, said in our terms. */
function pinnedReadError(list: ObjectLocation, version: ListVersion | undefined, error: unknown): unknown {
  if (!version) return error;
  const name = errorName(error);
  if (name === "NoSuchVersion" || name === "NoSuchKey" || name === "NotFound") {
    return new NotFoundError(
      `${describe(list)}: the version the exclude group was filled from (${version.versionId ?? `etag ${version.etag}`}) no longer exists`,
      { cause: error },
    );
  }
  if (name === "PreconditionFailed") {
    return new ConflictError(
      `${describe(list)} changed while it was read (it was etag ${version.etag}): it is not read, since its names may not be the ones excluded`,
      { cause: error },
    );
  }
  return error;
}

export interface ExcludeSet {
  names: Set<string>;
  invalid: number;
  duplicates: number;
}

/** The whole list as a set, for constant-time "is this device excluded?" checks. */
export async function loadExcludeSet(
  s3: S3Client,
  list: ObjectLocation,
  version?: ListVersion,
): Promise<ExcludeSet> {
  const result: ExcludeSet = { names: new Set(), invalid: 0, duplicates: 0 };
  for await (const entry of readExcludeList(s3, list, LIST_START, version)) {
    if (entry.kind === "invalid") result.invalid += 1;
    else if (result.names.has(entry.name)) result.duplicates += 1;
    else result.names.add(entry.name);
  }
  return result;
}

/** Lines named in an ExclusionsIncomplete message. */
const NAMED_LINES = 10;

/**
 * Reads the whole list and refuses it unless every line is a thing name and there is at least one: an invalid
 * line fails with ExclusionsIncomplete naming the lines (the first 10), a list without names with a
 * ValidationError naming its key. Undecodable bytes fail with UnreadableLine.
 */
export async function checkExcludeList(
  s3: S3Client,
  list: ObjectLocation,
  version?: ListVersion,
): Promise<{ names: number }> {
  let names = 0;
  let invalid = 0;
  const named: string[] = [];
  for await (const entry of readExcludeList(s3, list, LIST_START, version)) {
    if (entry.kind === "name") {
      names += 1;
      continue;
    }
    invalid += 1;
    if (named.length < NAMED_LINES) named.push(`${entry.reason}: ${JSON.stringify(entry.text)}`);
  }
  if (invalid > 0) throw invalidLinesError(list, invalid, named);
  if (names === 0) throw noNamesError(list);
  return { names };
}

/** The list has lines that are not thing names: whoever they name would be targeted. */
export function invalidLinesError(list: ObjectLocation, invalid: number, named: string[]): AppError {
  const more = invalid > named.length ? `; and ${invalid - named.length} more` : "";
  return new AppError(
    `${describe(list)}: ${invalid} line(s) are not thing names, and a device such a line was meant to name would be targeted: ${named.join("; ")}${more}. Fix or remove those lines and start again`,
    { name: "ExclusionsIncomplete" },
  );
}

export function noNamesError(list: ObjectLocation): ValidationError {
  return new ValidationError([
    `excludeListFileName: ${describe(list)} holds no thing names (every line is blank); pass a list of the things to exclude, or no excludeListFileName`,
  ]);
}

/** How an exclude group records the list it was filled from, so a re-run can tell the same list from another. */
export const excludeGroupDescription = (key: string, etag: string) => `Exclude list ${key} (etag ${etag})`;
