// Long steps stop at their deadline with a cursor; invoked again with it they do exactly the rest. These cases
// need what the emulator cannot give: paged search results, paged listings, and a list changing mid-run.
import {
  AddThingToThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteThingCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
  SearchIndexCommand,
} from "@aws-sdk/client-iot";
import { IoTDataPlaneClient, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AppError, ConflictError, TransientError, ValidationError } from "@fleet/shared-aws";
import type { StepResult } from "@fleet/shared-aws/steps";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { confirmExclusions } from "../../src/core/confirm-exclusions";
import { type DeleteCursor, deleteThings } from "../../src/core/delete-things";
import { type FastTrackCursor, fastTrack } from "../../src/core/fast-track";
import { type FillCursor, fillExcludeGroup } from "../../src/core/fill-exclude-group";
import { type SeedCursor, seedThings } from "../../src/core/seed";
import { etagOf, serveObjects, utf8 } from "../support/s3-fake";

const iotMock = mockClient(IoTClient);
const dataMock = mockClient(IoTDataPlaneClient);
const s3Mock = mockClient(S3Client);
const iot = new IoTClient({ region: "us-east-1" });
const shadows = new IoTDataPlaneClient({ region: "us-east-1" });
const s3 = new S3Client({ region: "us-east-1" });
const logger = { info: () => undefined, warn: () => undefined };
afterEach(() => {
  iotMock.reset();
  dataMock.reset();
  s3Mock.reset();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The exclude group: absent until CreateThingGroup makes it (a resumed fill checks it is still there). */
function groupMadeOnDemand() {
  let made = false;
  iotMock.on(DescribeThingGroupCommand).callsFake(() => {
    if (!made) throw notFound();
    return { thingGroupName: "job1-exclude" };
  });
  iotMock.on(CreateThingGroupCommand).callsFake(() => {
    made = true;
    return {};
  });
}
const notFound = () => Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });
const throttled = () =>
  Object.assign(new Error("Rate exceeded"), {
    name: "ThrottlingException",
    $metadata: { httpStatusCode: 400 },
  });
/** pace() gives an item up after two quick attempts, so a throttled item ends an invocation as retryable. */
const quickGiveUp = { maxAttempts: 2, baseBackoffMs: 1, maxBackoffMs: 2 };

/**
 * Invokes `step` with a short deadline until it is done, as the state machine would; returns every result. The
 * steps get the deadline (take no new item after it) and a hard deadline far beyond it, so that no call is ever
 * aborted here: a call a busy machine slows past a 20 ms grace would otherwise be aborted after it reached the
 * mock and be made again by the next invocation (the abort itself is tested in shared-aws and against the
 * emulator).
 */
async function untilDone<C>(
  step: (cursor: C | null, deadline: number, hardDeadline: number) => Promise<StepResult<C>>,
  sliceMs = 40,
) {
  const results: StepResult<C>[] = [];
  let cursor: C | null = null;
  do {
    const deadline = Date.now() + sliceMs;
    const result = await step(cursor, deadline, deadline + 60_000);
    results.push(result);
    cursor = result.cursor;
  } while (!results.at(-1)?.done && results.length < 200);
  return results;
}

/** Pages of `size` names, chained by nextToken, the way AWS pages (the emulator returns everything at once). */
function pages<T>(items: T[], size: number): Map<string | undefined, { items: T[]; nextToken?: string }> {
  const byToken = new Map<string | undefined, { items: T[]; nextToken?: string }>();
  for (let i = 0; i < items.length; i += size) {
    const next = i + size < items.length ? `token-${i + size}` : undefined;
    byToken.set(i === 0 ? undefined : `token-${i}`, {
      items: items.slice(i, i + size),
      ...(next ? { nextToken: next } : {}),
    });
  }
  return byToken;
}

const countBy = (names: string[]) =>
  names.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());

describe("fast-track across search pages", () => {
  it("writes every target exactly once over several cut-short runs and never an excluded device", async () => {
    const names = Array.from({ length: 300 }, (_, i) => `dev${i}`);
    const inGroup = new Set(names.filter((_, i) => i % 10 === 0)); // exclude group members, as the index shows them
    const inListOnly = new Set(["dev5", "dev155", "dev299"]); // listed, but the index has not caught up yet
    const docs = names.map((thingName) => ({
      thingName,
      thingGroupNames: inGroup.has(thingName) ? ["job1-exclude"] : [],
    }));
    const byToken = pages(docs, 100);
    iotMock.on(SearchIndexCommand).callsFake((input: { nextToken?: string }) => {
      const page = byToken.get(input.nextToken);
      return { things: page?.items, nextToken: page?.nextToken };
    });
    dataMock.on(UpdateThingShadowCommand).callsFake(async () => {
      await sleep(1);
      return {};
    });
    const list = utf8([...inListOnly].join("\n"));
    serveObjects(s3Mock, { "list.csv": list });

    const results = await untilDone<FastTrackCursor>((cursor, deadline, hardDeadline) =>
      fastTrack(
        {
          iot,
          shadows: async () => shadows,
          s3,
          bucket: "b",
          searchRate: 1000,
          shadowRate: 3000,
          concurrency: 8,
          deadline,
          hardDeadline,
          logger,
        },
        {
          queryString: "thingName:dev*",
          excludeGroupName: "job1-exclude",
          excludeListFileName: "list.csv",
          excludeListVersion: { etag: etagOf(list), versionId: null },
          updateKey: "k",
          updateValue: 7,
          cursor,
        },
      ),
    );

    expect(results.length).toBeGreaterThan(2);
    const written = dataMock
      .commandCalls(UpdateThingShadowCommand)
      .map((c) => c.args[0].input.thingName as string);
    const expected = names.filter((n) => !inGroup.has(n) && !inListOnly.has(n));
    expect([...countBy(written).values()].every((n) => n === 1)).toBe(true);
    expect(written.sort()).toEqual(expected.sort());
    expect(results.at(-1)?.counts).toEqual({ matched: 300, excluded: 33, updated: 267, failed: 0 });
    const payload = dataMock.commandCalls(UpdateThingShadowCommand)[0]?.args[0].input.payload as Uint8Array;
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ state: { reported: { k: 7 } } });
  });
});

describe("delete by prefix", () => {
  it("lists the whole registry before deleting, carries the names in its cursor, and deletes each exactly once", async () => {
    const registry = [
      ...Array.from({ length: 600 }, (_, i) => `gone${i}`),
      ...Array.from({ length: 100 }, (_, i) => `keep${i}`),
      "goneX",
      "gone007",
    ];
    const byToken = pages(
      registry.map((thingName) => ({ thingName })),
      250,
    );
    iotMock.on(ListThingsCommand).callsFake((input: { nextToken?: string }) => {
      const page = byToken.get(input.nextToken);
      return { things: page?.items, nextToken: page?.nextToken };
    });
    iotMock.on(DeleteThingCommand).callsFake(async () => {
      await sleep(1);
      return {};
    });
    const deps = { paced: iot, iot, deleteRate: 4000, listRate: 1000, concurrency: 8, logger };

    // A listing cut short returns where it got to, without deleting anything yet.
    const first = await deleteThings({ ...deps, deadline: Date.now() }, { prefix: "gone" });
    expect(first).toMatchObject({ done: false, cursor: { phase: "list", nextToken: "token-250" } });
    expect(iotMock.commandCalls(DeleteThingCommand)).toHaveLength(0);

    const rest = await untilDone<DeleteCursor>((cursor, deadline, hardDeadline) =>
      deleteThings(
        { ...deps, deadline, hardDeadline },
        { prefix: "gone", cursor: cursor ?? first.cursor ?? undefined },
      ),
    );
    const deleted = iotMock.commandCalls(DeleteThingCommand).map((c) => c.args[0].input.thingName as string);
    // Every listing call came before the first delete: no page was read while its results were being deleted.
    const order = iotMock.calls().map((c) => c.args[0].constructor.name);
    expect(order.lastIndexOf("ListThingsCommand")).toBeLessThan(order.indexOf("DeleteThingCommand"));
    expect(order.filter((name) => name === "ListThingsCommand")).toHaveLength(3);
    expect(rest.length).toBeGreaterThan(1);
    expect([...countBy(deleted).values()].every((n) => n === 1)).toBe(true);
    expect(deleted.sort()).toEqual(registry.filter((n) => n.startsWith("gone")).sort());
    expect(rest.at(-1)?.counts).toEqual({ listed: 602, deleted: 602, absent: 0, failed: 0 });
  });
});

describe("confirm-exclusions", () => {
  const members = Array.from({ length: 600 }, (_, i) => `dev${i}`);

  function account(indexed: string[]) {
    const memberPages = pages(members, 250);
    const indexPages = pages(
      indexed.map((thingName) => ({ thingName })),
      100,
    );
    iotMock.on(ListThingsInThingGroupCommand).callsFake((input: { nextToken?: string }) => {
      const page = memberPages.get(input.nextToken);
      return { things: page?.items, nextToken: page?.nextToken };
    });
    iotMock.on(SearchIndexCommand).callsFake((input: { nextToken?: string }) => {
      const page = indexPages.get(input.nextToken);
      return { things: page?.items ?? [], nextToken: page?.nextToken };
    });
  }
  const deps = (deadline: number) => ({ iot, listRate: 1000, searchRate: 1000, deadline });

  it("pages through the registry and the index, resumable page by page, and confirms when the index has every member", async () => {
    account(members);
    let result = await confirmExclusions(deps(0), { groupName: "g" });
    const passes = [result];
    while (!result.done) {
      result = await confirmExclusions(deps(0), { groupName: "g", cursor: result.cursor });
      passes.push(result);
    }
    expect(passes).toHaveLength(3 + 6);
    expect(result).toEqual({
      done: true,
      cursor: null,
      confirmed: true,
      members: 600,
      indexed: 600,
      missing: 0,
      stale: 0,
      exact: true,
      examples: { missing: [], stale: [] },
    });
    expect(iotMock.commandCalls(SearchIndexCommand)[0]?.args[0].input).toEqual({
      indexName: "AWS_Things",
      queryString: "thingGroupNames:g",
      maxResults: 100,
      nextToken: undefined,
    });
  });

  it("does not confirm while the index lags behind the group", async () => {
    account(members.slice(0, 599));
    await expect(confirmExclusions(deps(Number.POSITIVE_INFINITY), { groupName: "g" })).resolves.toEqual({
      done: true,
      cursor: null,
      confirmed: false,
      members: 600,
      indexed: 599,
      missing: 1,
      stale: 0,
      exact: true,
      examples: { missing: ["dev599"], stale: [] },
    });
  });
});

describe("fill-exclude-group", () => {
  const list = utf8(
    [
      "a1",
      "ghost1",
      "a2",
      "not valid",
      "a1",
      "a3",
      "ghost2",
      ...Array.from({ length: 200 }, (_, i) => `b${i}`),
    ].join("\r\n"),
  );

  it("adds each listed thing once over cut-short runs, reporting missing things and invalid lines with their reasons", async () => {
    serveObjects(s3Mock, { "list.csv": list });
    groupMadeOnDemand();
    iotMock.on(ListThingsInThingGroupCommand).resolves({ things: ["a1"] });
    iotMock.on(AddThingToThingGroupCommand).callsFake(async (input: { thingName: string }) => {
      await sleep(1);
      if (input.thingName.startsWith("ghost")) throw notFound();
      return {};
    });
    const results = await untilDone<FillCursor>((cursor, deadline, hardDeadline) =>
      fillExcludeGroup(
        { paced: iot, iot, s3, bucket: "b", rate: 3000, concurrency: 4, deadline, hardDeadline, logger },
        { excludeListFileName: "list.csv", staticGroupName: "job1-exclude", cursor },
      ),
    );
    expect(results.length).toBeGreaterThan(1);
    expect(iotMock.commandCalls(CreateThingGroupCommand)).toHaveLength(1);
    const added = iotMock
      .commandCalls(AddThingToThingGroupCommand)
      .map((c) => c.args[0].input.thingName as string);
    expect([...countBy(added).values()].every((n) => n === 1)).toBe(true);
    const last = results.at(-1);
    expect(last?.counts).toEqual({ added: 203, missing: 2, invalid: 1, duplicate: 1, failed: 0 });
    expect(last?.failures.map((f) => [f.name, f.reason]).sort()).toEqual([
      ["ghost1", "thing does not exist"],
      ["ghost2", "thing does not exist"],
      ["not valid", "line 4: not a thing name (only letters, digits, ':', '_' and '-' are allowed)"],
    ]);
  });

  it("refuses to resume by byte offset into a list that changed since the fill started", async () => {
    serveObjects(s3Mock, { "list.csv": utf8("a1\na2\n") });
    const cursor = {
      from: 3,
      line: 2,
      etag: "an-older-version",
      versionId: null,
      createdGroup: true,
      tally: { counts: {}, failures: [], failuresOmitted: 0 },
    };
    const fill = fillExcludeGroup(
      { paced: iot, iot, s3, bucket: "b", rate: 100, concurrency: 1, deadline: Date.now() + 1000, logger },
      { excludeListFileName: "list.csv", staticGroupName: "g", cursor },
    );
    await expect(fill).rejects.toBeInstanceOf(ConflictError);
    await expect(fill).rejects.toThrow(/changed since this fill started \(etag an-older-version; now /);
    expect(iotMock.calls()).toHaveLength(0);
  });
});

describe("retryable failures travel in the cursor (fill, seed, delete, fast-track)", () => {
  const fillDeps = (deadline = Number.POSITIVE_INFINITY) => ({
    paced: iot,
    iot,
    s3,
    bucket: "b",
    rate: 3000,
    concurrency: 4,
    deadline,
    logger,
    tuning: quickGiveUp,
  });
  const fillInput = (cursor?: FillCursor | null) => ({
    excludeListFileName: "list.csv",
    staticGroupName: "job1-exclude",
    cursor,
  });
  const added = () =>
    iotMock.commandCalls(AddThingToThingGroupCommand).map((c) => c.args[0].input.thingName as string);

  beforeEach(() => {
    serveObjects(s3Mock, { "list.csv": utf8(Array.from({ length: 20 }, (_, i) => `d${i}`).join("\n")) });
    groupMadeOnDemand();
    iotMock.on(ListThingsInThingGroupCommand).resolves({ things: ["d0"] });
  });

  it("fill: a name throttled past pace()'s attempts is not done: carried, added first by the next invocation", async () => {
    let throttles = 2; // d7's first two attempts: both of the first invocation's
    iotMock.on(AddThingToThingGroupCommand).callsFake(async (input: { thingName: string }) => {
      if (input.thingName === "d7" && throttles-- > 0) throw throttled();
      return {};
    });
    const first = await fillExcludeGroup(fillDeps(), fillInput());
    expect(first.done).toBe(false);
    expect(first.cursor).toMatchObject({ retry: [{ item: "d7", rounds: 1 }] });
    expect(first.counts).toMatchObject({ added: 19, failed: 0 });
    expect(first.failures).toEqual([]);

    const callsBefore = added().length;
    const second = await fillExcludeGroup(fillDeps(), fillInput(first.cursor));
    expect(added().slice(callsBefore)).toEqual(["d7"]);
    expect(second).toMatchObject({ done: true, cursor: null });
    expect(second.counts).toEqual({ added: 20, missing: 0, invalid: 0, duplicate: 0, failed: 0 });
  });

  it("fill: a list that cannot be read fails the invocation when it achieved nothing (retryable or not, by the error)", async () => {
    iotMock.on(AddThingToThingGroupCommand).resolves({});
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    const denied = fillExcludeGroup(fillDeps(), fillInput());
    await expect(denied).rejects.toBeInstanceOf(AppError);
    await expect(denied).rejects.toMatchObject({ name: "AccessDenied" });
    await expect(denied).rejects.toThrow(/^reading s3:\/\/b\/list\.csv failed: AccessDenied: Access Denied$/);
    s3Mock
      .on(GetObjectCommand)
      .rejects(Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" }));
    await expect(fillExcludeGroup(fillDeps(), fillInput())).rejects.toBeInstanceOf(TransientError);
  });

  it("seed: a throttled index is carried and created first by the next invocation; a cursor for another prefix is refused", async () => {
    let throttles = 2;
    const created: string[] = [];
    iotMock.on(DescribeThingCommand).rejects(notFound());
    iotMock.on(CreateThingCommand).callsFake(async (input: { thingName: string }) => {
      if (input.thingName === "s4" && throttles-- > 0) throw throttled();
      created.push(input.thingName);
      return {};
    });
    const deps = { paced: iot, rate: 3000, concurrency: 2, deadline: Number.POSITIVE_INFINITY, logger };
    const first = await seedThings({ ...deps, tuning: quickGiveUp }, { prefix: "s", count: 10 });
    expect(first).toMatchObject({
      done: false,
      cursor: { prefix: "s", next: 10, retry: [{ item: 4, rounds: 1 }] },
    });
    expect(created).not.toContain("s4");
    const second = await seedThings(deps, { prefix: "s", count: 10, cursor: first.cursor as SeedCursor });
    expect(second).toMatchObject({ done: true, counts: { created: 10, existed: 0, failed: 0 } });
    expect(created.at(-1)).toBe("s4");

    const calls = iotMock.calls().length;
    const other = seedThings(deps, { prefix: "t", count: 10, cursor: first.cursor as SeedCursor });
    await expect(other).rejects.toBeInstanceOf(ValidationError);
    await expect(other).rejects.toThrow('cursor: it continues a run for prefix "s", not "t"');
    expect(iotMock.calls()).toHaveLength(calls);
  });

  it("delete: a delete cursor is refused with another prefix (its names are suffixes of the first), before any call", async () => {
    iotMock.on(ListThingsCommand).resolves({ things: [{ thingName: "A1" }, { thingName: "A2" }] });
    iotMock.on(DeleteThingCommand).resolves({});
    const deps = { paced: iot, iot, deleteRate: 3000, listRate: 1000, concurrency: 2, logger };
    const cut = await deleteThings({ ...deps, deadline: 0 }, { prefix: "A" });
    // The listing finished; the deadline stopped the deletes before the first one.
    expect(cut).toMatchObject({ done: false, cursor: { phase: "delete", prefix: "A", position: 0 } });
    const calls = iotMock.calls().length;
    const other = deleteThings(
      { ...deps, deadline: Number.POSITIVE_INFINITY },
      { prefix: "B", cursor: cut.cursor as DeleteCursor },
    );
    await expect(other).rejects.toBeInstanceOf(ValidationError);
    await expect(other).rejects.toThrow('cursor: it continues a run for prefix "A", not "B"');
    expect(iotMock.calls()).toHaveLength(calls);
    expect(iotMock.commandCalls(DeleteThingCommand)).toHaveLength(0);
  });

  it("delete: a throttled name is carried and deleted by the next invocation", async () => {
    let throttles = 2;
    iotMock.on(ListThingsCommand).resolves({ things: [{ thingName: "A1" }, { thingName: "A2" }] });
    iotMock.on(DeleteThingCommand).callsFake(async (input: { thingName: string }) => {
      if (input.thingName === "A2" && throttles-- > 0) throw throttled();
      return {};
    });
    const deps = { paced: iot, iot, deleteRate: 3000, listRate: 1000, concurrency: 2, logger };
    const first = await deleteThings(
      { ...deps, deadline: Number.POSITIVE_INFINITY, tuning: quickGiveUp },
      { prefix: "A" },
    );
    expect(first).toMatchObject({ done: false, cursor: { position: 2, retry: [{ item: "A2", rounds: 1 }] } });
    const second = await deleteThings(
      { ...deps, deadline: Number.POSITIVE_INFINITY },
      { prefix: "A", cursor: first.cursor as DeleteCursor },
    );
    expect(second).toMatchObject({ done: true, counts: { listed: 2, deleted: 2, absent: 0, failed: 0 } });
  });
});

describe("fast-track over a long run of excluded devices", () => {
  const EXCLUDED_IN_A_ROW = 4000;
  const names = [
    ...Array.from({ length: EXCLUDED_IN_A_ROW }, (_, i) => `x${i}`),
    ...Array.from({ length: 50 }, (_, i) => `t${i}`),
  ];
  const deps = (deadline: number) => ({
    iot,
    shadows: async () => shadows,
    s3,
    bucket: "b",
    searchRate: 20,
    shadowRate: 3000,
    concurrency: 4,
    deadline,
    logger,
  });
  const input = (cursor: FastTrackCursor | null) => ({
    queryString: "thingName:*",
    excludeGroupName: "job1-exclude",
    excludeListFileName: null,
    updateKey: "k",
    updateValue: 7,
    cursor,
  });

  it(`stops at its deadline while skipping ${EXCLUDED_IN_A_ROW} excluded devices, and the next run continues after them`, async () => {
    const byToken = pages(
      names.map((thingName) => ({
        thingName,
        thingGroupNames: thingName.startsWith("x") ? ["job1-exclude"] : [],
      })),
      100,
    );
    iotMock.on(SearchIndexCommand).callsFake((request: { nextToken?: string }) => {
      const page = byToken.get(request.nextToken);
      return { things: page?.items, nextToken: page?.nextToken };
    });
    dataMock.on(UpdateThingShadowCommand).resolves({});

    const SLICE_MS = 300;
    const started = Date.now();
    const first = await fastTrack(deps(started + SLICE_MS), input(null));
    // Pages at 20 a second are 50 ms apart: it returns within a page or two of its deadline (the margin allows
    // for a loaded machine), where reading all 40 pages of excluded devices would take 2 s.
    expect(Date.now() - started).toBeLessThan(SLICE_MS + 500);
    expect(first.done).toBe(false);
    const readFirst = first.counts.matched ?? 0;
    expect(readFirst).toBeGreaterThan(0);
    expect(readFirst).toBeLessThan(EXCLUDED_IN_A_ROW);
    expect(first.counts).toMatchObject({ excluded: readFirst, updated: 0 });
    // The cursor is after the last document read, skipped ones included.
    expect(first.cursor?.position).toEqual({
      pageToken: readFirst <= 100 ? null : `token-${Math.floor((readFirst - 1) / 100) * 100}`,
      skip: ((readFirst - 1) % 100) + 1,
    });

    const rest = await untilDone<FastTrackCursor>(
      (cursor, deadline, hardDeadline) => fastTrack({ ...deps(deadline), hardDeadline }, input(cursor)),
      SLICE_MS,
    );
    const all = [first, ...rest];
    expect(all.length).toBeGreaterThan(2);
    expect(rest.at(-1)?.counts).toEqual({
      matched: names.length,
      excluded: EXCLUDED_IN_A_ROW,
      updated: 50,
      failed: 0,
    });
    const written = dataMock.commandCalls(UpdateThingShadowCommand).map((c) => c.args[0].input.thingName);
    expect(written.sort()).toEqual(names.filter((n) => n.startsWith("t")).sort());
  });

  it("keeps its progress when the search fails midway, and fails the invocation that achieves nothing", async () => {
    const byToken = pages(
      names.slice(EXCLUDED_IN_A_ROW).map((thingName) => ({ thingName, thingGroupNames: [] })),
      25,
    );
    let failing: Error | undefined;
    iotMock.on(SearchIndexCommand).callsFake((request: { nextToken?: string }) => {
      if (request.nextToken === "token-25" && failing) throw failing;
      const page = byToken.get(request.nextToken);
      return { things: page?.items, nextToken: page?.nextToken };
    });
    dataMock.on(UpdateThingShadowCommand).resolves({});
    failing = Object.assign(new Error("not allowed"), { name: "InvalidRequestException" });

    const first = await fastTrack(deps(Number.POSITIVE_INFINITY), input(null));
    expect(first).toMatchObject({
      done: false,
      cursor: { position: { pageToken: null, skip: 25 } },
      counts: { matched: 25, updated: 25 },
    });
    const again = fastTrack(deps(Number.POSITIVE_INFINITY), input(first.cursor));
    await expect(again).rejects.toMatchObject({ name: "InvalidRequestException" });
    await expect(again).rejects.toThrow(
      /^reading the fleet index for "thingName:\*" failed: InvalidRequestException/,
    );
    failing = throttled();
    await expect(fastTrack(deps(Number.POSITIVE_INFINITY), input(first.cursor))).rejects.toBeInstanceOf(
      TransientError,
    );
    failing = undefined;
    const last = await fastTrack(deps(Number.POSITIVE_INFINITY), input(first.cursor));
    expect(last).toMatchObject({ done: true, counts: { matched: 50, updated: 50, failed: 0 } });
    expect(dataMock.commandCalls(UpdateThingShadowCommand)).toHaveLength(50);
  });
});

describe("confirm-exclusions compares names, not counts", () => {
  const members = Array.from({ length: 300 }, (_, i) => `dev${i}`);
  function account(memberNames: string[], indexed: string[]) {
    const memberPages = pages(memberNames, 250);
    const indexPages = pages(
      indexed.map((thingName) => ({ thingName })),
      100,
    );
    iotMock.on(ListThingsInThingGroupCommand).callsFake((input: { nextToken?: string }) => {
      const page = memberPages.get(input.nextToken);
      return { things: page?.items ?? [], nextToken: page?.nextToken };
    });
    iotMock.on(SearchIndexCommand).callsFake((input: { nextToken?: string }) => {
      const page = indexPages.get(input.nextToken);
      return { things: page?.items ?? [], nextToken: page?.nextToken };
    });
  }
  const deps = (deadline: number) => ({ iot, listRate: 1000, searchRate: 1000, deadline });

  it("does not confirm when stale index entries (things no longer members) make up the count of a missing member", async () => {
    // The index lists as many documents as the group has members: one member missing, one stale entry.
    account(members, [...members.filter((name) => name !== "dev123"), "leftTheGroup"]);
    await expect(confirmExclusions(deps(Number.POSITIVE_INFINITY), { groupName: "g" })).resolves.toEqual({
      done: true,
      cursor: null,
      confirmed: false,
      members: 300,
      indexed: 300,
      missing: 1,
      stale: 1,
      exact: true,
      examples: { missing: ["dev123"], stale: ["leftTheGroup"] },
    });
  });

  it("confirms with stale entries as long as every member is in the index", async () => {
    account(members, ["leftTheGroup", ...members]);
    await expect(
      confirmExclusions(deps(Number.POSITIVE_INFINITY), { groupName: "g" }),
    ).resolves.toMatchObject({
      done: true,
      confirmed: true,
      missing: 0,
      stale: 1,
    });
  });
});
