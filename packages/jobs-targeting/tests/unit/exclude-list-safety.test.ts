// An exclude list never silently excludes less than it says: lists saved as UTF-16 are read as such, a line that
// is not a thing name or a list with none is refused before anything is targeted, line numbers stay right
// after a resume, a failed fill leaves no empty group, and fast-track reads the very version the fill read.
import { createHash } from "node:crypto";
import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListThingsInThingGroupCommand,
  SearchIndexCommand,
} from "@aws-sdk/client-iot";
import { IoTDataPlaneClient, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { ConflictError, NotFoundError, ValidationError } from "@fleet/shared-aws";
import { awsError, resourceNotFoundError } from "@fleet/shared-aws/testing";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { checkExcludeList, type ListVersion } from "../../src/core/exclude-list";
import { fastTrack } from "../../src/core/fast-track";
import { type FillCursor, type FillResult, fillExcludeGroup } from "../../src/core/fill-exclude-group";
import { startTargetedJob } from "../../src/core/start-targeted-job";
import { startTargetedJobEvent } from "../../src/schemas";

const iotMock = mockClient(IoTClient);
const dataMock = mockClient(IoTDataPlaneClient);
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const iot = new IoTClient({ region: "us-east-1" });
const s3 = new S3Client({ region: "us-east-1" });
const logger = { info: () => undefined, warn: () => undefined };
afterEach(() => {
  for (const mock of [iotMock, dataMock, s3Mock, sfnMock]) mock.reset();
});

const utf8 = (text: string) => new TextEncoder().encode(text);
const utf16 = (text: string, order: "LE" | "BE") => {
  const le = Buffer.from(text, "utf16le");
  if (order === "BE") le.swap16();
  return new Uint8Array([...(order === "LE" ? [0xff, 0xfe] : [0xfe, 0xff]), ...le]);
};

/** A versioned bucket: every put is a new version; GET honours VersionId, If-Match and `Range: bytes=N-`. */
function versionedBucket() {
  const versions = new Map<string, { versionId: string; body: Uint8Array }[]>();
  const etag = (body: Uint8Array) => createHash("md5").update(body).digest("hex");
  s3Mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    const latest = versions.get(input.Key)?.at(-1);
    if (!latest) throw awsError("NotFound", 404);
    return { ETag: `"${etag(latest.body)}"`, ContentLength: latest.body.length, VersionId: latest.versionId };
  });
  s3Mock
    .on(GetObjectCommand)
    .callsFake((input: { Key: string; VersionId?: string; IfMatch?: string; Range?: string }) => {
      const all = versions.get(input.Key) ?? [];
      const object = input.VersionId ? all.find((v) => v.versionId === input.VersionId) : all.at(-1);
      if (!object) throw awsError(input.VersionId ? "NoSuchVersion" : "NoSuchKey", 404);
      if (input.IfMatch && input.IfMatch.replaceAll('"', "") !== etag(object.body)) {
        throw awsError("PreconditionFailed", 412);
      }
      const range = /^bytes=(\d+)-(\d+)?$/.exec(input.Range ?? "");
      const body = range
        ? object.body.subarray(Number(range[1]), range[2] ? Number(range[2]) + 1 : undefined)
        : object.body;
      return { Body: chunks(body, 5) };
    });
  return {
    put(key: string, body: Uint8Array): ListVersion {
      const list = versions.get(key) ?? [];
      const versionId = `v${list.length + 1}`;
      versions.set(key, [...list, { versionId, body }]);
      return { etag: etag(body), versionId };
    },
  };
}

async function* chunks(body: Uint8Array, size: number) {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

const LIST = { bucket: "lists", key: "exclude.csv" };

describe("checkExcludeList (start-targeted-job reads the whole list before anything exists)", () => {
  it("reads UTF-8 with and without a BOM and UTF-16 LE/BE with one, CRLF and all, to the same names", async () => {
    const bucket = versionedBucket();
    const text = "dev1\r\ndev2\r\n\r\n  dev3\r\n";
    const variants = [
      utf8(text),
      new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]),
      utf16(text, "LE"),
      utf16(text, "BE"),
    ];
    for (const body of variants) {
      const version = bucket.put(LIST.key, body);
      await expect(checkExcludeList(s3, LIST, version)).resolves.toEqual({ names: 3 });
    }
  });

  it("refuses lines that are not thing names, naming each line (UTF-16 saved without a BOM among them)", async () => {
    const bucket = versionedBucket();
    const version = bucket.put(LIST.key, utf8("dev1\nbad name!\n\ndev3\nd\u0000e\u0000v\u0000\n"));
    const check = checkExcludeList(s3, LIST, version);
    await expect(check).rejects.toMatchObject({ name: "ExclusionsIncomplete" });
    await expect(check).rejects.toThrow(
      "s3://lists/exclude.csv: 2 line(s) are not thing names, and a device such a line was meant to name would be targeted: line 2: not a thing name (only letters, digits, ':', '_' and '-' are allowed): \"bad name!\"; line 5: not a thing name (it contains NUL characters: UTF-16 saved without a byte-order mark? Save the list as UTF-8): \"d\\u0000e\\u0000v\\u0000\". Fix or remove those lines and start again",
    );
  });

  it("refuses a list with no names, naming its key", async () => {
    const bucket = versionedBucket();
    const version = bucket.put(
      LIST.key,
      new Uint8Array([0xff, 0xfe, ...Buffer.from("\r\n  \r\n", "utf16le")]),
    );
    const check = checkExcludeList(s3, LIST, version);
    await expect(check).rejects.toBeInstanceOf(ValidationError);
    await expect(check).rejects.toThrow(
      "excludeListFileName: s3://lists/exclude.csv holds no thing names (every line is blank)",
    );
  });

  it("refuses bytes that are not valid in the list's encoding, naming the line", async () => {
    const bucket = versionedBucket();
    const version = bucket.put(LIST.key, new Uint8Array([...utf8("dev1\n"), 0xff, 0x41, 0x0a]));
    await expect(checkExcludeList(s3, LIST, version)).rejects.toMatchObject({
      name: "UnreadableLine",
      message: expect.stringContaining(
        "s3://lists/exclude.csv (version v1): line 2 (bytes 5–7) is not valid UTF-8",
      ),
    });
  });
});

describe("start-targeted-job refuses an unusable list before any execution, group or job", () => {
  const start = (key: string) =>
    startTargetedJob(
      {
        iot,
        s3,
        sfn: new SFNClient({ region: "us-east-1" }),
        bucket: "lists",
        stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:sm",
        updateKey: "updateKey",
        now: () => 1_700_000_000_000,
      },
      startTargetedJobEvent.parse({ jobName: "job1", excludeListFileName: key }),
    );

  it("with a line that is not a thing name, or with no names", async () => {
    const bucket = versionedBucket();
    bucket.put("invalid.csv", utf8("dev1\nbad name!\n"));
    bucket.put("empty.csv", utf8("\n\n"));
    await expect(start("invalid.csv")).rejects.toMatchObject({ name: "ExclusionsIncomplete" });
    await expect(start("empty.csv")).rejects.toThrow("s3://lists/empty.csv holds no thing names");
    expect(iotMock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe("fill-exclude-group", () => {
  /** Groups by name, made by CreateThingGroup and removed by DeleteThingGroup; members by AddThingToThingGroup. */
  function groups(things: readonly string[]) {
    const members = new Map<string, Set<string>>();
    iotMock.on(DescribeThingGroupCommand).callsFake((input: { thingGroupName: string }) => {
      if (!members.has(input.thingGroupName)) throw resourceNotFoundError();
      return { thingGroupName: input.thingGroupName };
    });
    iotMock.on(CreateThingGroupCommand).callsFake((input: { thingGroupName: string }) => {
      members.set(input.thingGroupName, new Set());
      return {};
    });
    iotMock.on(DeleteThingGroupCommand).callsFake((input: { thingGroupName: string }) => {
      members.delete(input.thingGroupName);
      return {};
    });
    iotMock
      .on(AddThingToThingGroupCommand)
      .callsFake((input: { thingGroupName: string; thingName: string }) => {
        if (!things.includes(input.thingName)) throw resourceNotFoundError();
        members.get(input.thingGroupName)?.add(input.thingName);
        return {};
      });
    iotMock.on(ListThingsInThingGroupCommand).callsFake((input: { thingGroupName: string }) => ({
      things: [...(members.get(input.thingGroupName) ?? [])].slice(0, 1),
    }));
    return members;
  }
  const fill = (cursor?: FillCursor | null, pacing = { rate: 100_000, deadline: Number.POSITIVE_INFINITY }) =>
    fillExcludeGroup(
      { paced: iot, iot, s3, bucket: "lists", concurrency: 1, logger, ...pacing },
      { excludeListFileName: LIST.key, staticGroupName: "job1-exclude", cursor },
    );

  /**
   * Invokes the fill until done, as the state machine would, each invocation taking two names at most: pace()
   * takes a name, then waits for its slot; at 10 names a second the second slot (~100 ms) is after the 50 ms
   * deadline, so no third name is taken.
   */
  async function fillInSteps(): Promise<FillResult[]> {
    // Each result as Step Functions passes it on: JSON, not objects the next invocation changes.
    const step = async (cursor: FillCursor | null | undefined): Promise<FillResult> =>
      JSON.parse(JSON.stringify(await fill(cursor, { rate: 10, deadline: Date.now() + 50 })));
    const results = [await step(null)];
    while (!results.at(-1)?.done) results.push(await step(results.at(-1)?.cursor));
    return results;
  }

  it("reads a UTF-16 list as UTF-16 and adds exactly its names, over continuations at the pinned version", async () => {
    const bucket = versionedBucket();
    const version = bucket.put(LIST.key, utf16("dev1\r\ndev2\r\ndev3\r\n", "LE"));
    const members = groups(["dev1", "dev2", "dev3"]);
    const results = await fillInSteps();
    expect(results.length).toBeGreaterThan(1);
    expect([...(members.get("job1-exclude") ?? [])].sort()).toEqual(["dev1", "dev2", "dev3"]);
    expect(results.at(-1)).toMatchObject({
      done: true,
      counts: { added: 3, missing: 0, invalid: 0, failed: 0 },
      list: version,
      removedEmptyGroup: false,
    });
    const reads = s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input);
    expect(reads.every((r) => r.VersionId === "v1" && r.IfMatch === `"${version.etag}"`)).toBe(true);
  });

  it("numbers invalid lines right after a resume", async () => {
    const bucket = versionedBucket();
    bucket.put(LIST.key, utf8("dev1\n\ndev2\nbad one\ndev3\n\nalso bad!\n"));
    groups(["dev1", "dev2", "dev3"]);
    const results = await fillInSteps();
    // The first invocation took dev1 and dev2 at most: line 4 was read by a later one, after a resume.
    expect(results[0]?.counts.invalid).toBe(0);
    expect(results.at(-1)?.failures.map((f) => f.reason)).toEqual([
      "line 4: not a thing name (only letters, digits, ':', '_' and '-' are allowed)",
      "line 7: not a thing name (only letters, digits, ':', '_' and '-' are allowed)",
    ]);
    expect(results.at(-1)?.counts).toMatchObject({ added: 3, invalid: 2 });
  });

  it("ending with invalid lines and nobody added, removes the group it created", async () => {
    const bucket = versionedBucket();
    bucket.put(LIST.key, utf8("not a name\n"));
    const members = groups([]);
    const result = await fill();
    expect(result).toMatchObject({ done: true, counts: { invalid: 1, added: 0 }, removedEmptyGroup: true });
    expect(members.has("job1-exclude")).toBe(false);
  });

  it("refuses a list with no names and removes the group it created for it", async () => {
    const bucket = versionedBucket();
    bucket.put(LIST.key, utf8("\r\n   \r\n"));
    const members = groups([]);
    await expect(fill()).rejects.toThrow("s3://lists/exclude.csv holds no thing names");
    expect(iotMock.commandCalls(CreateThingGroupCommand)).toHaveLength(1);
    expect(members.has("job1-exclude")).toBe(false);
  });

  it("failing for good, removes the empty group it created; a group it did not create is kept", async () => {
    const bucket = versionedBucket();
    bucket.put(LIST.key, utf8("dev1\n"));
    const members = groups(["dev1"]);
    s3Mock.on(GetObjectCommand).rejects(awsError("AccessDenied", 403));
    await expect(fill()).rejects.toMatchObject({ name: "AccessDenied" });
    expect(iotMock.commandCalls(CreateThingGroupCommand)).toHaveLength(1);
    expect(members.has("job1-exclude")).toBe(false);

    members.set("job1-exclude", new Set());
    await expect(fill()).rejects.toMatchObject({ name: "AccessDenied" });
    expect(members.has("job1-exclude")).toBe(true);
  });

  it("failing for a reason that may pass, keeps the group it created: Step Functions retries the step", async () => {
    const bucket = versionedBucket();
    bucket.put(LIST.key, utf8("dev1\n"));
    const members = groups(["dev1"]);
    s3Mock.on(GetObjectCommand).rejects(awsError("SlowDown", 503));
    await expect(fill()).rejects.toMatchObject({ name: "TransientError" });
    expect(members.has("job1-exclude")).toBe(true);
  });

  it("refuses to resume into a group that no longer exists: names added to it would be lost", async () => {
    const bucket = versionedBucket();
    bucket.put(LIST.key, utf8("dev1\ndev2\n"));
    const members = groups(["dev1", "dev2"]);
    const first = await fill(null, { rate: 100_000, deadline: 0 });
    members.delete("job1-exclude");
    await expect(fill(first.cursor)).rejects.toThrow(
      "exclude group job1-exclude no longer exists, though this fill has been adding to it; start the fill again without a cursor",
    );
  });

  it("refuses to resume into a new version of the list", async () => {
    const bucket = versionedBucket();
    bucket.put(LIST.key, utf8("dev1\ndev2\n"));
    groups(["dev1", "dev2"]);
    const first = await fill(null, { rate: 100_000, deadline: 0 });
    bucket.put(LIST.key, utf8("dev1\ndev2\n"));
    const resumed = fill(first.cursor);
    await expect(resumed).rejects.toBeInstanceOf(ConflictError);
    await expect(resumed).rejects.toThrow(
      /^s3:\/\/lists\/exclude\.csv changed since this fill started \(version v1, etag \w+; now version v2, etag \w+\)/,
    );
  });
});

describe("fast-track reads the list at the version the fill read", () => {
  const run = (excludeListVersion: ListVersion | null) =>
    fastTrack(
      {
        iot,
        shadows: async () => new IoTDataPlaneClient({ region: "us-east-1" }),
        s3,
        bucket: "lists",
        searchRate: 1000,
        shadowRate: 1000,
        concurrency: 2,
        deadline: Number.POSITIVE_INFINITY,
        logger,
      },
      {
        queryString: "thingName:dev*",
        excludeGroupName: "job1-exclude",
        excludeListFileName: LIST.key,
        excludeListVersion,
        updateKey: "k",
        updateValue: 1,
      },
    );
  beforeEach(() => {
    const docs = ["dev1", "dev2", "dev3"].map((thingName) => ({ thingName, thingGroupNames: [] }));
    iotMock.on(SearchIndexCommand).resolves({ things: docs });
    dataMock.on(UpdateThingShadowCommand).resolves({});
  });
  const written = () => dataMock.commandCalls(UpdateThingShadowCommand).map((c) => c.args[0].input.thingName);

  it("skips exactly the pinned version's names", async () => {
    const bucket = versionedBucket();
    const version = bucket.put(LIST.key, utf16("dev2\r\n", "BE"));
    await expect(run(version)).resolves.toMatchObject({ counts: { matched: 3, excluded: 1, updated: 2 } });
    expect(written().sort()).toEqual(["dev1", "dev3"]);
  });

  it("refuses a list changed since the fill, writing nothing", async () => {
    const bucket = versionedBucket();
    const version = bucket.put(LIST.key, utf8("dev2\n"));
    bucket.put(LIST.key, utf8("dev3\n"));
    const refused = run(version);
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toThrow(
      /changed since the exclude group was filled from it \(version v1, etag \w+; now version v2, etag \w+\): it is not read/,
    );
    expect(written()).toEqual([]);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it("says so when the pinned version is gone, and needs a version to read a list at all", async () => {
    const bucket = versionedBucket();
    bucket.put(LIST.key, utf8("dev2\n"));
    s3Mock.on(HeadObjectCommand).resolves({ ETag: '"e"', VersionId: "v9" });
    const gone = run({ etag: "e", versionId: "v9" });
    await expect(gone).rejects.toBeInstanceOf(NotFoundError);
    await expect(gone).rejects.toThrow(
      "s3://lists/exclude.csv: the version the exclude group was filled from (v9) no longer exists",
    );
    await expect(run(null)).rejects.toThrow(
      "excludeListVersion: required with excludeListFileName (the `list` in fill-exclude-group's result)",
    );
    expect(written()).toEqual([]);
  });
});
