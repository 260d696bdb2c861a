// Exclude lists: an S3 object with one thing name a line (LF, CRLF or CR; an optional byte-order mark; blank
// lines and surrounding whitespace ignored). Lines that are not valid thing names are reported, not fatal.
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { NotFoundError, readS3Lines } from "@fleet/shared-aws";
import { isNotFound } from "./aws-errors";
import { thingNameProblem } from "./names";

export interface ListLocation {
  bucket: string;
  key: string;
}

export type ListEntry =
  | { kind: "name"; name: string; line: number; end: number }
  | { kind: "invalid"; text: string; reason: string; line: number; end: number };

/** The list's entries from byte offset `from` on; `end` is where to resume after each entry. */
export async function* readExcludeList(s3: S3Client, list: ListLocation, from = 0): AsyncGenerator<ListEntry> {
  for await (const line of readS3Lines(s3, { ...list, from })) {
    const reason = thingNameProblem(line.text);
    yield reason
      ? { kind: "invalid", text: line.text, reason: `line ${line.number}: not a thing name (${reason})`, line: line.number, end: line.end }
      : { kind: "name", name: line.text, line: line.number, end: line.end };
  }
}

export interface ExcludeSet {
  names: Set<string>;
  invalid: number;
  duplicates: number;
}

/** The whole list as a set, for constant-time "is this device excluded?" checks. */
export async function loadExcludeSet(s3: S3Client, list: ListLocation): Promise<ExcludeSet> {
  const result: ExcludeSet = { names: new Set(), invalid: 0, duplicates: 0 };
  for await (const entry of readExcludeList(s3, list)) {
    if (entry.kind === "invalid") result.invalid += 1;
    else if (result.names.has(entry.name)) result.duplicates += 1;
    else result.names.add(entry.name);
  }
  return result;
}

/** The list object's ETag (its content identity), or a NotFoundError naming the object. */
export async function listVersion(s3: S3Client, list: ListLocation): Promise<{ etag: string; size: number }> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: list.bucket, Key: list.key }));
    return { etag: (head.ETag ?? "").replaceAll('"', ""), size: head.ContentLength ?? 0 };
  } catch (error) {
    if (isNotFound(error)) throw new NotFoundError(`s3://${list.bucket}/${list.key} does not exist`, { cause: error });
    throw error;
  }
}

/** How an exclude group records the list it was filled from, so a re-run can tell the same list from another. */
export const excludeGroupDescription = (key: string, etag: string) => `Exclude list ${key} (etag ${etag})`;
