// Before the dynamic group and the job exist, the fleet index must already know every exclude-group member:
// the group's query says `NOT thingGroupNames:<group>`, and a member the index has not caught up with would be
// targeted (the original's race). Counts the group's members in the registry, then the documents the index
// returns for `thingGroupNames:<group>`; confirmed when the index has them all. One pass per invocation, paged
// and resumable; the state machine waits between passes, never a Lambda.
import { type IoTClient, ListThingsInThingGroupCommand } from "@aws-sdk/client-iot";
import { z } from "zod";
import { searchPage } from "./fleet-search";
import { rateGate } from "./gate";

export const confirmCursorSchema = z.strictObject({
  phase: z.enum(["members", "index"]),
  nextToken: z.string().nullable(),
  members: z.number().int().min(0),
  indexed: z.number().int().min(0),
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
  members: number;
  indexed: number;
}

const MEMBERS_PAGE_SIZE = 250;

export async function confirmExclusions(
  deps: ConfirmDeps,
  input: { groupName: string; cursor?: ConfirmCursor | null | undefined },
): Promise<ConfirmResult> {
  const state: ConfirmCursor = input.cursor ?? { phase: "members", nextToken: null, members: 0, indexed: 0 };
  const listGate = rateGate(deps.listRate);
  const searchGate = rateGate(deps.searchRate);
  const indexQuery = `thingGroupNames:${input.groupName}`;
  for (;;) {
    if (state.phase === "members") {
      await listGate();
      const page = await deps.iot.send(
        new ListThingsInThingGroupCommand({
          thingGroupName: input.groupName,
          maxResults: MEMBERS_PAGE_SIZE,
          nextToken: state.nextToken ?? undefined,
        }),
      );
      state.members += page.things?.length ?? 0;
      state.nextToken = page.nextToken ?? null;
      if (!state.nextToken) state.phase = "index";
    } else {
      await searchGate();
      const page = await searchPage(deps.iot, indexQuery, state.nextToken);
      state.indexed += page.things?.length ?? 0;
      state.nextToken = page.nextToken ?? null;
      if (!state.nextToken) {
        const { members, indexed } = state;
        return { done: true, cursor: null, confirmed: indexed >= members, members, indexed };
      }
    }
    if (Date.now() >= deps.deadline) {
      return { done: false, cursor: state, confirmed: false, members: state.members, indexed: state.indexed };
    }
  }
}
