// Exclude lists: an S3 object with one thing name a line (LF, CRLF or CR; an optional byte-order mark; blank
// lines and surrounding whitespace ignored). Lines that are not valid thing names are reported, not fatal.
import type { S3Client } from "@aws-sdk/client-s3";
import { readS3Lines } from "@fleet/shared-aws";
import { thingNameProblem } from "./names";
import type { ObjectLocation } from "./s3-objects";

export type ListEntry =
  | { kind: "name"; name: string; line: number; end: number }
  | { kind: "invalid"; text: string; reason: string; line: number; end: number };

/** The list's entries from byte offset `from` on; `end` is where to resume after each entry. */
export async function* readExcludeList(
  s3: S3Client,
  list: ObjectLocation,
  from = 0,
): AsyncGenerator<ListEntry> {
  for await (const line of readS3Lines(s3, { ...list, from })) {
    const reason = thingNameProblem(line.text);
    yield reason
      ? {
          kind: "invalid",
          text: line.text,
          reason: `line ${line.number}: not a thing name (${reason})`,
          line: line.number,
          end: line.end,
        }
      : { kind: "name", name: line.text, line: line.number, end: line.end };
  }
}

export interface ExcludeSet {
  names: Set<string>;
  invalid: number;
  duplicates: number;
}

/** The whole list as a set, for constant-time "is this device excluded?" checks. */
export async function loadExcludeSet(s3: S3Client, list: ObjectLocation): Promise<ExcludeSet> {
  const result: ExcludeSet = { names: new Set(), invalid: 0, duplicates: 0 };
  for await (const entry of readExcludeList(s3, list)) {
    if (entry.kind === "invalid") result.invalid += 1;
    else if (result.names.has(entry.name)) result.duplicates += 1;
    else result.names.add(entry.name);
  }
  return result;
}

/** How an exclude group records the list it was filled from, so a re-run can tell the same list from another. */
export const excludeGroupDescription = (key: string, etag: string) => `Exclude list ${key} (etag ${etag})`;
