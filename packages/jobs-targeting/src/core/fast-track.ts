// Fast-track: every device matching the fleet query that is not excluded gets the job's update value in its
// reported shadow, so the dynamic group (which matches that value) takes it in at once instead of waiting for
// the fleet query to be evaluated. Exclusion is a constant-time check of the document's group names and of the
// list itself, so no excluded device is written even if the index lagged behind the group.
import type { IoTClient } from "@aws-sdk/client-iot";
import { type IoTDataPlaneClient, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import type { S3Client } from "@aws-sdk/client-s3";
import { pace } from "@fleet/shared-aws";
import { z } from "zod";
import { loadExcludeSet } from "./exclude-list";
import {
  FIRST_PAGE,
  type Found,
  type SearchPosition,
  searchFleet,
  searchPositionSchema,
} from "./fleet-search";
import { rateGate } from "./gate";
import {
  addPaceResult,
  count,
  emptyTally,
  type Logger,
  type StepResult,
  stepResult,
  type Tally,
  tallySchema,
} from "./tally";

export const fastTrackCursorSchema = z.strictObject({ position: searchPositionSchema, tally: tallySchema });
export type FastTrackCursor = z.infer<typeof fastTrackCursorSchema>;

export interface FastTrackDeps {
  /** Retrying client for the sequential SearchIndex pages. */
  iot: IoTClient;
  /** Paced shadow client, resolved only once the event is valid (its endpoint may need discovering). */
  shadows: () => Promise<IoTDataPlaneClient>;
  s3: S3Client;
  bucket: string;
  searchRate: number;
  shadowRate: number;
  concurrency: number;
  deadline: number;
  logger: Logger;
}

export interface FastTrackInput {
  queryString: string;
  excludeGroupName?: string | null | undefined;
  excludeListFileName?: string | null | undefined;
  updateKey: string;
  updateValue: number;
  cursor?: FastTrackCursor | null | undefined;
}

interface Target {
  thingName: string;
  after: SearchPosition;
}

export async function fastTrack(
  deps: FastTrackDeps,
  input: FastTrackInput,
): Promise<StepResult<FastTrackCursor>> {
  const shadows = await deps.shadows();
  const excludedNames = input.excludeListFileName
    ? (await loadExcludeSet(deps.s3, { bucket: deps.bucket, key: input.excludeListFileName })).names
    : new Set<string>();
  const isExcluded = (thingName: string, groups: string[] | undefined) =>
    excludedNames.has(thingName) || (!!input.excludeGroupName && !!groups?.includes(input.excludeGroupName));

  const from = input.cursor?.position ?? FIRST_PAGE;
  const tally = input.cursor?.tally ?? emptyTally({ matched: 0, excluded: 0, updated: 0, failed: 0 });
  const found = searchFleet(deps.iot, input.queryString, rateGate(deps.searchRate), from);
  const payload = new TextEncoder().encode(
    JSON.stringify({ state: { reported: { [input.updateKey]: input.updateValue } } }),
  );
  const writeShadow = async (target: Target) => {
    await shadows.send(new UpdateThingShadowCommand({ thingName: target.thingName, payload }));
    return "updated";
  };

  const result = await pace(targets(found, isExcluded, tally), writeShadow, {
    rate: deps.shadowRate,
    concurrency: deps.concurrency,
    deadline: deps.deadline,
    describe: (target) => target.thingName,
  });
  const run = addPaceResult(tally, result, deps.shadowRate, deps.logger);
  return stepResult(result.done, { position: result.lastConsumed?.after ?? from, tally }, tally, run);
}

/** Matches that are not excluded; the excluded ones are counted as they are read, before the cursor. */
async function* targets(
  found: AsyncIterable<Found>,
  isExcluded: (thingName: string, groups: string[] | undefined) => boolean,
  tally: Tally,
): AsyncGenerator<Target> {
  for await (const { doc, after } of found) {
    if (!doc.thingName) continue;
    count(tally, "matched");
    if (isExcluded(doc.thingName, doc.thingGroupNames)) count(tally, "excluded");
    else yield { thingName: doc.thingName, after };
  }
}
