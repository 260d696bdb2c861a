// Before the dynamic group and the job exist, the fleet index must already know every exclude-group member:
// the group's query says `NOT thingGroupNames:<group>`, and a member the index has not caught up with would be
// targeted (the original's race). A pass lists the group's members in the registry, then reads the documents
// the index returns for `thingGroupNames:<group>` and checks them off by name: confirmed only when every member
// was found. Comparing names, not counts, matters: the index may still list things that left the group (stale
// entries), and a count would let them stand in for members it has not indexed yet.
//
// A pass keeps the names in memory. It is resumable page by page while the names it still has to check fit in
// a cursor (Step Functions caps a state's data at 256 KB); a pass that cannot finish in one invocation with
// more names than that left fails with ExclusionsTooLarge rather than confirm anything it did not check. The
// state machine waits between passes, never a Lambda.
import { type IoTClient, ListThingsInThingGroupCommand } from "@aws-sdk/client-iot";
import { AppError } from "@fleet/shared-aws";
import { rateGate } from "@fleet/shared-aws/steps";
import { z } from "zod";
import { searchPage } from "./fleet-search";

/** The most a cursor carries of the names a pass still has to check (their JSON, in bytes). */
export const MAX_PENDING_BYTES = 64 * 1024;
/** Names of stale index entries kept in the result, as examples. */
const STALE_SAMPLE = 10;
/** Members the index has not caught up with, named in the result. */
const MISSING_SAMPLE = 10;

export const confirmCursorSchema = z.strictObject({
  phase: z.enum(["members", "index"]),
  nextToken: z.string().nullable(),
  /** Members phase: the members listed so far. Index phase: the members not found in the index yet. */
  pending: z.array(z.string()),
  members: z.number().int().min(0),
  indexed: z.number().int().min(0),
  stale: z.number().int().min(0),
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
  const pending = new Set(cursor?.pending ?? []);
  let members = cursor?.members ?? 0;
  let indexed = cursor?.indexed ?? 0;
  let stale = cursor?.stale ?? 0;
  const staleExamples: string[] = [];
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
      for (const name of page.things ?? []) pending.add(name);
      members = pending.size;
      nextToken = page.nextToken ?? null;
      if (!nextToken) phase = "index";
    } else {
      await searchGate();
      const page = await searchPage(deps.iot, indexQuery, nextToken);
      for (const doc of page.things ?? []) {
        if (!doc.thingName) continue;
        indexed += 1;
        if (pending.delete(doc.thingName)) continue;
        stale += 1;
        if (staleExamples.length < STALE_SAMPLE) staleExamples.push(doc.thingName);
      }
      nextToken = page.nextToken ?? null;
      if (!nextToken) {
        const missing = [...pending];
        return {
          done: true,
          cursor: null,
          confirmed: missing.length === 0,
          members,
          indexed,
          missing: missing.length,
          stale,
          examples: { missing: missing.slice(0, MISSING_SAMPLE), stale: staleExamples },
        };
      }
    }
    if (Date.now() >= deps.deadline) {
      const names = [...pending];
      if (JSON.stringify(names).length > MAX_PENDING_BYTES) {
        throw new AppError(
          `exclude group ${input.groupName}: a comparison pass could not finish within one invocation, and the ${names.length} names it still has to check (${phase === "members" ? `${members} members listed so far` : `${members} members, ${indexed} index documents read so far`}) are more than a cursor can carry (${MAX_PENDING_BYTES / 1024} KB). Nothing was confirmed. Raise LIST_THINGS_IN_GROUP_RATE and SEARCH_INDEX_RATE (and their quotas), or use a shorter exclude list`,
          { name: "ExclusionsTooLarge" },
        );
      }
      return {
        done: false,
        cursor: { phase, nextToken, pending: names, members, indexed, stale },
        confirmed: false,
        members,
        indexed,
        missing: phase === "index" ? names.length : 0,
        stale,
        examples: { missing: [], stale: staleExamples },
      };
    }
  }
}
