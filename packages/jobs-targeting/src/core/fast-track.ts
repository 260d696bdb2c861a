// Fast-track: every device matching the fleet query that is not excluded gets the job's update value in its
// reported shadow, so the dynamic group (which matches that value) takes it in at once instead of waiting for
// the fleet query to be evaluated. Exclusion is a constant-time check of the document's group names and of the
// list itself, so no excluded device is written even if the index lagged behind the group. The list is read
// at the version the exclude group was filled from (pinned by fill-exclude-group): if the list has changed
// since, fast-track refuses it rather than skip other devices than the group holds. The cursor is the
// position after the last document read (excluded ones included), so a long run of excluded devices is never
// read twice; the deadline is checked on every document, written or skipped.
import type { IoTClient } from "@aws-sdk/client-iot";
import { type IoTDataPlaneClient, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import type { S3Client } from "@aws-sdk/client-s3";
import { ValidationError } from "@fleet/shared-aws";
import {
  count,
  emptyTally,
  type PacedStepDeps,
  rateGate,
  runStep,
  type StepResult,
  stepCursorShape,
  type Tally,
} from "@fleet/shared-aws/steps";
import * as z from "zod/mini";
import { checkUnchanged, currentListVersion, type ListVersion, loadExcludeSet } from "./exclude-list";
import {
  FIRST_PAGE,
  type Found,
  type SearchPosition,
  searchFleet,
  searchPositionSchema,
} from "./fleet-search";
import type { ObjectLocation } from "./s3-objects";

export const fastTrackCursorSchema = z.strictObject({
  /** After the last document read. */
  position: searchPositionSchema,
  /** Things whose shadow write failed for a reason that may pass are in `retry`: written first. */
  ...stepCursorShape(z.string()),
});
export type FastTrackCursor = z.infer<typeof fastTrackCursorSchema>;

export interface FastTrackDeps extends PacedStepDeps {
  /** Retrying client for the sequential SearchIndex pages. */
  iot: IoTClient;
  /** Paced shadow client, resolved only once the event is valid (its endpoint may need discovering). */
  shadows: () => Promise<IoTDataPlaneClient>;
  s3: S3Client;
  bucket: string;
  searchRate: number;
  shadowRate: number;
}

export interface FastTrackInput {
  queryString: string;
  excludeGroupName?: string | null | undefined;
  excludeListFileName?: string | null | undefined;
  /** The list version fill-exclude-group read (its result's `list`); required with a list. */
  excludeListVersion?: ListVersion | null | undefined;
  updateKey: string;
  updateValue: number;
  cursor?: FastTrackCursor | null | undefined;
}

export async function fastTrack(
  deps: FastTrackDeps,
  input: FastTrackInput,
): Promise<StepResult<FastTrackCursor>> {
  const list = input.excludeListFileName
    ? { bucket: deps.bucket, key: input.excludeListFileName }
    : undefined;
  const pinned = input.excludeListVersion;
  if (list && !pinned) {
    throw new ValidationError([
      "excludeListVersion: required with excludeListFileName (the `list` in fill-exclude-group's result)",
    ]);
  }
  const shadows = await deps.shadows();
  const excludedNames = list && pinned ? await pinnedExcludeSet(deps.s3, list, pinned) : new Set<string>();
  const isExcluded = (thingName: string, groups: string[] | undefined) =>
    excludedNames.has(thingName) || (!!input.excludeGroupName && !!groups?.includes(input.excludeGroupName));

  const from = input.cursor?.position ?? FIRST_PAGE;
  const tally = input.cursor?.tally ?? emptyTally({ matched: 0, excluded: 0, updated: 0, failed: 0 });
  const found = searchFleet(deps.iot, input.queryString, rateGate(deps.searchRate), from);
  const payload = new TextEncoder().encode(
    JSON.stringify({ state: { reported: { [input.updateKey]: input.updateValue } } }),
  );
  const writeShadow = async (thingName: string, abortSignal: AbortSignal) => {
    await shadows.send(new UpdateThingShadowCommand({ thingName, payload }), { abortSignal });
    return "updated";
  };

  const read: Reading = { position: from, stoppedAtDeadline: false };
  return runStep({
    cursor: input.cursor,
    tally,
    stream: targets(found, { isExcluded, tally, deadline: deps.deadline, read }),
    position: () => ({ position: read.position }),
    stoppedEarly: () => read.stoppedAtDeadline,
    source: `the fleet index for ${JSON.stringify(input.queryString)}`,
    worker: writeShadow,
    // Service Quotas publishes no quota for the device shadow APIs: the configured rate stands.
    rate: deps.shadowRate,
    deps,
  });
}

/** The names of the list at the version the exclude group was filled from; a changed list is refused. */
async function pinnedExcludeSet(
  s3: S3Client,
  list: ObjectLocation,
  pinned: ListVersion,
): Promise<Set<string>> {
  checkUnchanged(list, pinned, await currentListVersion(s3, list), {
    since: "the exclude group was filled from it",
    advice:
      "it is not read, since its names may not be the group's; run teardown and start the job again to use the new list",
  });
  return (await loadExcludeSet(s3, list, pinned)).names;
}

interface Reading {
  /** After the last document read. */
  position: SearchPosition;
  /** The deadline came before the search ended (while skipping excluded devices, or between pages). */
  stoppedAtDeadline: boolean;
}

/**
 * Matches that are not excluded. Every document read, excluded or not, is counted here and moves
 * `read.position` past it: pace() pulls the next target only when it will write it, so whatever was read lies
 * before the cursor. The deadline is checked on every document, so a long run of excluded devices (pages of
 * them at the SearchIndex rate) cannot hold the invocation past it.
 */
async function* targets(
  found: AsyncIterable<Found>,
  context: {
    isExcluded: (thingName: string, groups: string[] | undefined) => boolean;
    tally: Tally;
    deadline: number;
    read: Reading;
  },
): AsyncGenerator<string> {
  const { tally, read } = context;
  for await (const { doc, after } of found) {
    if (Date.now() >= context.deadline) {
      read.stoppedAtDeadline = true;
      return;
    }
    read.position = after;
    if (!doc.thingName) continue;
    count(tally, "matched");
    if (context.isExcluded(doc.thingName, doc.thingGroupNames)) count(tally, "excluded");
    else yield doc.thingName;
  }
}
