// confirm-exclusions over a group too large for one invocation: the pass goes on in continuations, its cursor
// carrying the position and a fixed-size comparison (never the names), and still compares by name.
import { IoTClient, ListThingsInThingGroupCommand, SearchIndexCommand } from "@aws-sdk/client-iot";
import { parseOrThrow } from "@fleet/shared-aws";
import { beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { type ConfirmCursor, type ConfirmResult, confirmExclusions } from "../../src/core/confirm-exclusions";
import { DECODABLE, DifferenceSketch } from "../../src/core/difference-sketch";
import { confirmExclusionsEvent } from "../../src/schemas";

const iotMock = mockClient(IoTClient);
const iot = new IoTClient({ region: "us-east-1" });
beforeEach(() => {
  iotMock.reset();
});

/** Step Functions' cap on a state's data. */
const STATE_LIMIT = 256 * 1024;

/** Serves the members and the index documents in pages of `pageSize`, tokens being offsets. */
function account(members: readonly string[], indexed: readonly string[], pageSize: number) {
  const page = <T>(items: readonly T[], token: string | undefined) => {
    const from = Number(token ?? 0);
    const next = from + pageSize;
    return { items: items.slice(from, next), nextToken: next < items.length ? String(next) : undefined };
  };
  iotMock.on(ListThingsInThingGroupCommand).callsFake((input: { nextToken?: string }) => {
    const { items, nextToken } = page(members, input.nextToken);
    return { things: items, nextToken };
  });
  iotMock.on(SearchIndexCommand).callsFake((input: { nextToken?: string }) => {
    const { items, nextToken } = page(indexed, input.nextToken);
    return { things: items.map((thingName) => ({ thingName })), nextToken };
  });
}

/** Runs a whole pass, one page an invocation (the deadline is always past), as the state machine would. */
async function pass(): Promise<{ result: ConfirmResult; invocations: number; largestCursor: number }> {
  let cursor: ConfirmCursor | null = null;
  let invocations = 0;
  let largestCursor = 0;
  for (;;) {
    // Each cursor goes through the event schema, as it does between two states.
    const event = parseOrThrow(confirmExclusionsEvent, { groupName: "big-exclude", cursor }, "event");
    const result = await confirmExclusions({ iot, listRate: 1e6, searchRate: 1e6, deadline: 0 }, event);
    invocations += 1;
    largestCursor = Math.max(largestCursor, JSON.stringify(result).length);
    if (result.done) return { result, invocations, largestCursor };
    cursor = result.cursor;
  }
}

const names = (n: number, prefix = "device-") =>
  Array.from({ length: n }, (_, i) => `${prefix}${i.toString(36).padStart(6, "0")}`);

describe("confirm-exclusions over a million members", () => {
  // Pages of 50,000 (AWS serves 250 and 100) keep the test fast; the cursor is the same at any page size.
  const members = names(1_000_000);

  it("confirms in continuations, each cursor far under the state limit", async () => {
    account(members, [...members].reverse(), 50_000);
    const { result, invocations, largestCursor } = await pass();
    expect(invocations).toBe(40);
    expect(largestCursor).toBeLessThan(STATE_LIMIT / 3);
    expect(result).toEqual({
      done: true,
      cursor: null,
      confirmed: true,
      members: 1_000_000,
      indexed: 1_000_000,
      missing: 0,
      stale: 0,
      exact: true,
      examples: { missing: [], stale: [] },
    });
  });

  it("names the members the index lacks and its stale entries, and confirms nothing", async () => {
    const lacking = new Set([members[7], members[500_000], members[999_999]]);
    const indexed = [...members.filter((name) => !lacking.has(name)), "left-1", "left-2", "left-3"];
    account(members, indexed, 50_000);
    const { result } = await pass();
    expect(result).toEqual({
      done: true,
      cursor: null,
      confirmed: false,
      members: 1_000_000,
      indexed: 1_000_000,
      missing: 3,
      stale: 3,
      exact: true,
      examples: { missing: [...lacking].sort(), stale: ["left-1", "left-2", "left-3"] },
    });
  });
});

describe("confirm-exclusions while the index lags far behind", () => {
  it("confirms nothing, and says it could not name them all, while more differ than a pass can name", async () => {
    const members = names(10_000);
    account(members, members.slice(5_000), 1_000);
    const { result } = await pass();
    expect(result).toEqual({
      done: true,
      cursor: null,
      confirmed: false,
      members: 10_000,
      indexed: 5_000,
      missing: 5_000,
      stale: 0,
      exact: false,
      examples: { missing: [], stale: [] },
    });
  });
});

describe("the difference sketch", () => {
  it(`lists ${DECODABLE} differences exactly, whatever the order of additions and removals`, () => {
    const common = names(10_000, "c");
    const onlyAdded = names(DECODABLE / 2, "a");
    const onlyRemoved = names(DECODABLE / 2, "r");
    for (let seed = 1; seed <= 20; seed++) {
      const sketch = DifferenceSketch.empty(seed);
      for (const name of [...onlyRemoved, ...common]) sketch.update(name, -1);
      for (const name of [...common, ...onlyAdded]) sketch.update(name, 1);
      const carried = DifferenceSketch.decode(sketch.encode(), "cursor.sketch");
      const difference = carried.difference();
      expect(difference?.added.sort()).toEqual(onlyAdded);
      expect(difference?.removed.sort()).toEqual(onlyRemoved);
    }
  });

  it("says it cannot tell, rather than guess, when far more differ", () => {
    const sketch = DifferenceSketch.empty(1);
    for (const name of names(2_000)) sketch.update(name, 1);
    expect(sketch.difference()).toBeUndefined();
  });

  it("keeps names apart: one added and another removed do not cancel out", () => {
    const sketch = DifferenceSketch.empty(1);
    sketch.update("dev-a", 1);
    sketch.update("dev-b", -1);
    expect(sketch.difference()).toEqual({ added: ["dev-a"], removed: ["dev-b"] });
  });

  it("refuses a cursor it did not write", () => {
    expect(() => DifferenceSketch.decode("bm90IGEgc2tldGNo", "cursor.sketch")).toThrow(
      "cursor.sketch: not a sketch this version wrote",
    );
  });
});
