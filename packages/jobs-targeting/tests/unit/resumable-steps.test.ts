// Long steps stop at their deadline with a cursor; invoked again with it they do exactly the rest. These cases
// need what the emulator cannot give: paged search results, paged listings, and a list changing mid-run.
import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DeleteThingCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
  SearchIndexCommand,
} from "@aws-sdk/client-iot";
import { IoTDataPlaneClient, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { S3Client } from "@aws-sdk/client-s3";
import { ConflictError } from "@fleet/shared-aws";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { confirmExclusions } from "../../src/core/confirm-exclusions";
import { type DeleteCursor, deleteThings } from "../../src/core/delete-things";
import { type FastTrackCursor, fastTrack } from "../../src/core/fast-track";
import { type FillCursor, fillExcludeGroup } from "../../src/core/fill-group";
import type { StepResult } from "../../src/core/tally";
import { serveObjects, utf8 } from "../support/s3-fake";

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
const notFound = () => Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });

/** Invokes `step` with a short deadline until it is done, as the state machine would; returns every result. */
async function untilDone<C>(
  step: (cursor: C | null, deadline: number) => Promise<StepResult<C>>,
  sliceMs = 40,
) {
  const results: StepResult<C>[] = [];
  let cursor: C | null = null;
  do {
    const result = await step(cursor, Date.now() + sliceMs);
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
    serveObjects(s3Mock, { "list.csv": utf8([...inListOnly].join("\n")) });

    const results = await untilDone<FastTrackCursor>((cursor, deadline) =>
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
          logger,
        },
        {
          queryString: "thingName:dev*",
          excludeGroupName: "job1-exclude",
          excludeListFileName: "list.csv",
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

    const rest = await untilDone<DeleteCursor>((cursor, deadline) =>
      deleteThings({ ...deps, deadline }, { prefix: "gone", cursor: cursor ?? first.cursor ?? undefined }),
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
    expect(result).toEqual({ done: true, cursor: null, confirmed: true, members: 600, indexed: 600 });
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
    iotMock.on(DescribeThingGroupCommand).rejects(notFound());
    iotMock.on(CreateThingGroupCommand).resolves({});
    iotMock.on(AddThingToThingGroupCommand).callsFake(async (input: { thingName: string }) => {
      await sleep(1);
      if (input.thingName.startsWith("ghost")) throw notFound();
      return {};
    });
    const results = await untilDone<FillCursor>((cursor, deadline) =>
      fillExcludeGroup(
        { paced: iot, iot, s3, bucket: "b", rate: 3000, concurrency: 4, deadline, logger },
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
      etag: "an-older-version",
      tally: { counts: {}, failures: [], failuresOmitted: 0 },
    };
    const fill = fillExcludeGroup(
      { paced: iot, iot, s3, bucket: "b", rate: 100, concurrency: 1, deadline: Date.now() + 1000, logger },
      { excludeListFileName: "list.csv", staticGroupName: "g", cursor },
    );
    await expect(fill).rejects.toBeInstanceOf(ConflictError);
    await expect(fill).rejects.toThrow(/changed since this fill started \(etag an-older-version, now /);
    expect(iotMock.calls()).toHaveLength(0);
  });
});
