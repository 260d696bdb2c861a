import { S3Client } from "@aws-sdk/client-s3";
import { NotFoundError } from "@fleet/shared-aws";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { type ListEntry, loadExcludeSet, readExcludeList } from "../../src/core/exclude-list";
import { headObject } from "../../src/core/s3-objects";
import { serveObjects, withBom } from "../support/s3-fake";

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: "us-east-1" });
afterEach(() => {
  s3Mock.reset();
});

const LIST = withBom("dev1\ndev2\r\ndev3\rdev4\n\n   \r\n  dev5  \ndev2\r\nbad name!\ndev6");
const location = { bucket: "lists", key: "exclude.csv" };

async function collect(from = 0, line = 1): Promise<ListEntry[]> {
  const entries: ListEntry[] = [];
  for await (const entry of readExcludeList(s3, location, { from, line })) entries.push(entry);
  return entries;
}

describe("exclude list parsing", () => {
  it("reads LF, CRLF and lone CR lines, drops the BOM, blanks and surrounding whitespace, reports invalid names", async () => {
    serveObjects(s3Mock, { "exclude.csv": LIST });
    const entries = await collect();
    expect(entries.map((e) => (e.kind === "name" ? e.name : `!${e.text}`))).toEqual([
      "dev1",
      "dev2",
      "dev3",
      "dev4",
      "dev5",
      "dev2",
      "!bad name!",
      "dev6",
    ]);
    const invalid = entries.find((e) => e.kind === "invalid");
    expect(invalid).toMatchObject({
      line: 9,
      reason: "line 9: not a thing name (only letters, digits, ':', '_' and '-' are allowed)",
    });
  });

  it("resumes after any entry from its byte offset and yields exactly the rest, numbered on", async () => {
    serveObjects(s3Mock, { "exclude.csv": LIST });
    const all = await collect();
    for (let i = 0; i < all.length; i++) {
      const { end, line } = all[i] as ListEntry;
      expect(await collect(end, line + 1)).toEqual(all.slice(i + 1));
    }
  });

  it("builds a set with duplicates and invalid lines counted, for constant-time lookups", async () => {
    serveObjects(s3Mock, { "exclude.csv": LIST });
    const set = await loadExcludeSet(s3, location);
    expect([...set.names]).toEqual(["dev1", "dev2", "dev3", "dev4", "dev5", "dev6"]);
    expect(set).toMatchObject({ duplicates: 1, invalid: 1 });
  });

  it("names the object that does not exist", async () => {
    serveObjects(s3Mock, {});
    const missing = headObject(s3, { bucket: "lists", key: "nope.csv" });
    await expect(missing).rejects.toBeInstanceOf(NotFoundError);
    await expect(missing).rejects.toThrow("s3://lists/nope.csv does not exist");
  });
});
