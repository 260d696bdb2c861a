// Deletes every thing whose name starts with a prefix, in two phases so that no listing is ever paged while
// its results are being deleted (the original skipped things that way): first list the whole registry page by
// page and keep the matching names, then delete exactly those at the DeleteThing rate. The names travel in the
// cursor as a compact snapshot (name suffixes, with the prefix they belong to), so a continuation deletes
// exactly the rest without listing again; a cursor is refused with any other prefix.
import { DeleteThingCommand, type IoTClient, ListThingsCommand } from "@aws-sdk/client-iot";
import { isNotFound } from "@fleet/shared-aws";
import {
  emptyTally,
  IOT_QUOTAS,
  type PacedStepDeps,
  rateGate,
  runStep,
  type StepResult,
  stepCursorShape,
  stepResult,
  tallySchema,
} from "@fleet/shared-aws/steps";
import * as z from "zod/mini";
import { snapshotOf, snapshotSchema, snapshotSize, suffixesOf } from "./name-snapshot";
import { checkCursorPrefix } from "./names";

export const deleteCursorSchema = z.discriminatedUnion("phase", [
  z.strictObject({
    phase: z.literal("list"),
    /** The snapshot holds suffixes of this prefix. */
    prefix: z.string(),
    nextToken: z.string(),
    snapshot: snapshotSchema,
    tally: tallySchema,
  }),
  z.strictObject({
    phase: z.literal("delete"),
    prefix: z.string(),
    snapshot: snapshotSchema,
    position: z.int().check(z.minimum(0)),
    /** Thing names taken but not deleted yet for a reason that may pass are in `retry`: deleted first. */
    ...stepCursorShape(z.string()),
  }),
]);
export type DeleteCursor = z.infer<typeof deleteCursorSchema>;

export interface DeleteDeps extends PacedStepDeps {
  /** A paced client for DeleteThing (one attempt a call: pace() retries). */
  paced: IoTClient;
  /** A retrying client for the sequential ListThings pages. */
  iot: IoTClient;
  deleteRate: number;
  listRate: number;
}

export interface DeleteInput {
  prefix: string;
  cursor?: DeleteCursor | undefined;
}

// ListThings' largest page: the registry is listed at up to 250 × LIST_THINGS_RATE names a second.
const PAGE_SIZE = 250;

export async function deleteThings(deps: DeleteDeps, input: DeleteInput): Promise<StepResult<DeleteCursor>> {
  const { cursor } = input;
  checkCursorPrefix(cursor, input.prefix);
  const tally = cursor?.tally ?? emptyTally({ listed: 0, deleted: 0, absent: 0, failed: 0 });
  let snapshot = cursor?.snapshot ?? snapshotOf([]);
  let position = cursor?.phase === "delete" ? cursor.position : 0;

  if (cursor?.phase !== "delete") {
    const listing = await listMatching(
      deps,
      input.prefix,
      cursor?.phase === "list" ? cursor.nextToken : undefined,
    );
    snapshot = snapshotOf([...suffixesOf(snapshot), ...listing.suffixes]);
    if (listing.nextToken) {
      const run = {
        elapsedMs: listing.elapsedMs,
        attempts: listing.pages,
        throttles: 0,
        achievedRate: Math.round((listing.pages / Math.max(listing.elapsedMs, 1)) * 100_000) / 100,
        targetRate: deps.listRate,
      };
      return stepResult(
        false,
        { phase: "list" as const, prefix: input.prefix, nextToken: listing.nextToken, snapshot, tally },
        tally,
        run,
      );
    }
    tally.counts.listed = snapshotSize(snapshot);
    position = 0;
  }

  const names = (function* () {
    for (const suffix of suffixesOf(snapshot, position)) yield `${input.prefix}${suffix}`;
  })();
  const deleteThing = async (thingName: string, abortSignal: AbortSignal) => {
    try {
      await deps.paced.send(new DeleteThingCommand({ thingName }), { abortSignal });
      return "deleted";
    } catch (error) {
      // AWS answers success for a missing thing; the emulator answers not-found. Either way it is gone.
      if (isNotFound(error)) return "absent";
      throw error;
    }
  };
  return runStep({
    cursor: cursor?.phase === "delete" ? cursor : undefined,
    tally,
    stream: names,
    position: (taken) => ({
      phase: "delete" as const,
      prefix: input.prefix,
      snapshot,
      position: position + taken,
    }),
    source: `the names listed with prefix ${JSON.stringify(input.prefix)}`,
    worker: deleteThing,
    rate: deps.deleteRate,
    quotas: [IOT_QUOTAS.DeleteThing],
    deps,
  });
}

interface Listing {
  suffixes: string[];
  /** Set when the deadline came before the listing ended. */
  nextToken: string | undefined;
  pages: number;
  elapsedMs: number;
}

async function listMatching(deps: DeleteDeps, prefix: string, from: string | undefined): Promise<Listing> {
  const started = Date.now();
  const gate = rateGate(deps.listRate);
  const suffixes: string[] = [];
  let nextToken = from;
  let pages = 0;
  do {
    await gate();
    const page = await deps.iot.send(new ListThingsCommand({ maxResults: PAGE_SIZE, nextToken }));
    pages += 1;
    for (const thing of page.things ?? []) {
      if (thing.thingName?.startsWith(prefix)) suffixes.push(thing.thingName.slice(prefix.length));
    }
    nextToken = page.nextToken ?? undefined;
  } while (nextToken && Date.now() < deps.deadline);
  return { suffixes, nextToken, pages, elapsedMs: Date.now() - started };
}
