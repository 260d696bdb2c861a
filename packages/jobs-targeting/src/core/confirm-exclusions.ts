// Before the dynamic group and the job exist, the fleet index must already know every exclude-group member:
// the group's query says `NOT thingGroupNames:<group>`, and a member the index has not caught up with would be
// targeted (the original's race). A pass lists the group's members in the registry, then reads the documents
// the index returns for `thingGroupNames:<group>`, and compares the two by name: confirmed only when every
// member was found. Comparing names, not counts, matters: the index may still list things that left the group
// (stale entries), and a count would let them stand in for members it has not indexed yet.
//
// A pass over a large group takes several invocations: the cursor carries the position (phase and page token)
// and the comparison so far as a fixed-size difference sketch (members added, index documents taken out), never
// the names themselves, so a group of a million members fits in a cursor as well as one of ten (Step Functions
// caps a state's data at 256 KB; the sketch is at most ~64 KB). At the end of the pass the sketch lists the
// members missing from the index and the stale entries by name while they are not many more than 200 together;
// with more, the pass cannot name them and confirms nothing (the index is still catching up: the state machine
// checks again). The state machine waits between passes, never a Lambda.
import { type IoTClient, ListThingsInThingGroupCommand } from "@aws-sdk/client-iot";
import { rateGate } from "@fleet/shared-aws/steps";
import * as z from "zod/mini";
import { DifferenceSketch, MAX_ENCODED_LENGTH } from "./difference-sketch";
import { searchPage } from "./fleet-search";

/** Names of missing members and stale index entries kept in the result, as examples. */
const EXAMPLES = 10;

const count = z.int().check(z.minimum(0));

export const confirmCursorSchema = z.strictObject({
  /** Listing the group's members (registry), then reading the index's documents for the group. */
  phase: z.enum(["members", "index"]),
  /** The page to read next in this phase; null for its first. */
  nextToken: z.nullable(z.string()),
  /** Members listed and index documents read so far in this pass. */
  members: count,
  indexed: count,
  /** The comparison so far: members added, index documents taken out (see difference-sketch.ts). */
  sketch: z.string().check(z.maxLength(MAX_ENCODED_LENGTH)),
});
export type ConfirmCursor = z.infer<typeof confirmCursorSchema>;

export interface ConfirmDeps {
  /** Retrying client: the pages are sequential. */
  iot: IoTClient;
  listRate: number;
  searchRate: number;
  deadline: number;
}

export interface ConfirmResult {
  /** This pass is complete; `confirmed` says whether the index reflects every member. */
  done: boolean;
  cursor: ConfirmCursor | null;
  confirmed: boolean;
  /** Members of the group (registry). */
  members: number;
  /** Index documents returned for `thingGroupNames:<group>`. */
  indexed: number;
  /** Members not (yet) in the index: the pass confirms nothing while there is one. */
  missing: number;
  /** Index documents of things that are not members (the index has not caught up with their leaving). */
  stale: number;
  /**
   * The pass named every difference between the group and the index. False when there were too many to name
   * (not many more than 200): then `missing` and `stale` are lower bounds, and nothing is confirmed.
   */
  exact: boolean;
  /** Up to 10 names of each, for the log and the execution history. */
  examples: { missing: string[]; stale: string[] };
}

const MEMBERS_PAGE_SIZE = 250;

export async function confirmExclusions(
  deps: ConfirmDeps,
  input: { groupName: string; cursor?: ConfirmCursor | null | undefined },
): Promise<ConfirmResult> {
  const cursor = input.cursor;
  let phase = cursor?.phase ?? "members";
  let nextToken = cursor?.nextToken ?? null;
  let members = cursor?.members ?? 0;
  let indexed = cursor?.indexed ?? 0;
  const sketch = cursor ? DifferenceSketch.decode(cursor.sketch, "cursor.sketch") : DifferenceSketch.empty();
  const listGate = rateGate(deps.listRate);
  const searchGate = rateGate(deps.searchRate);
  const indexQuery = `thingGroupNames:${input.groupName}`;
  for (;;) {
    if (phase === "members") {
      await listGate();
      const page = await deps.iot.send(
        new ListThingsInThingGroupCommand({
          thingGroupName: input.groupName,
          maxResults: MEMBERS_PAGE_SIZE,
          nextToken: nextToken ?? undefined,
        }),
      );
      for (const name of page.things ?? []) {
        sketch.update(name, 1);
        members += 1;
      }
      nextToken = page.nextToken ?? null;
      if (!nextToken) phase = "index";
    } else {
      await searchGate();
      const page = await searchPage(deps.iot, indexQuery, nextToken);
      for (const doc of page.things ?? []) {
        if (!doc.thingName) continue;
        sketch.update(doc.thingName, -1);
        indexed += 1;
      }
      nextToken = page.nextToken ?? null;
      if (!nextToken) return outcome(sketch, members, indexed);
    }
    if (Date.now() >= deps.deadline) {
      return {
        done: false,
        cursor: { phase, nextToken, members, indexed, sketch: sketch.encode() },
        confirmed: false,
        members,
        indexed,
        missing: 0,
        stale: 0,
        exact: false,
        examples: { missing: [], stale: [] },
      };
    }
  }
}

/** The end of a pass: the members the index lacks and its stale entries, by name, when the sketch can list them. */
function outcome(sketch: DifferenceSketch, members: number, indexed: number): ConfirmResult {
  const difference = sketch.difference();
  const pass = { done: true, cursor: null, members, indexed } as const;
  if (!difference) {
    return {
      ...pass,
      confirmed: false,
      missing: Math.max(0, members - indexed),
      stale: Math.max(0, indexed - members),
      exact: false,
      examples: { missing: [], stale: [] },
    };
  }
  const missing = difference.added.sort();
  const stale = difference.removed.sort();
  return {
    ...pass,
    confirmed: missing.length === 0,
    missing: missing.length,
    stale: stale.length,
    exact: true,
    examples: { missing: missing.slice(0, EXAMPLES), stale: stale.slice(0, EXAMPLES) },
  };
}
