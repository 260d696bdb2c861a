// Fills a static thing group from an exclude list at the AddThingToThingGroup rate, resumable by byte offset.
// Names of things that do not exist are reported, never fatal; lines that are not thing names are reported with
// their line number (right after a resume too: the cursor carries the next line's number) and the state machine
// then refuses to target around the group (ExclusionsIncomplete), as a line may name a device meant to be
// protected; a list without names is refused. A name whose add failed for a reason that may pass is carried in
// the cursor and added first by the next invocation: the fill is done only when nothing is left to retry, and a
// name that still fails is a final failure (`failed`), which the state machine refuses to target around too.
// The fill pins the list's version (ETag, and VersionId in a versioned bucket): every invocation reads that
// version, a list changed meanwhile is refused, and the result names the version so that fast-track reads it
// too. A fill that fails leaves no empty group behind: the group it created is removed if it holds nobody.
import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  type IoTClient,
  ListThingsInThingGroupCommand,
} from "@aws-sdk/client-iot";
import type { S3Client } from "@aws-sdk/client-s3";
import { ConflictError, classifyError, errorMessage, isNotFound, unlessNotFound } from "@fleet/shared-aws";
import {
  count,
  emptyTally,
  IOT_QUOTAS,
  type Logger,
  type PacedStepDeps,
  recordFailure,
  runStep,
  type StepResult,
  stepCursorShape,
  type Tally,
} from "@fleet/shared-aws/steps";
import * as z from "zod/mini";
import {
  checkUnchanged,
  currentListVersion,
  excludeGroupDescription,
  type ListEntry,
  type ListPosition,
  type ListVersion,
  noNamesError,
  readExcludeList,
} from "./exclude-list";
import type { ObjectLocation } from "./s3-objects";

export const fillCursorSchema = z.strictObject({
  /** Byte offset in the list after the last line read. */
  from: z.int().check(z.minimum(0)),
  /** Number of the physical line at `from`, so line numbers stay right after a resume. */
  line: z.int().check(z.minimum(1)),
  /** The list version this fill reads (versionId null in a bucket without versioning). */
  etag: z.string(),
  versionId: z.nullable(z.string()),
  /** This fill created the group, and removes it if the fill fails leaving it empty. */
  createdGroup: z.boolean(),
  /** Names whose add failed for a reason that may pass are in `retry`: added first by the next invocation. */
  ...stepCursorShape(z.string()),
});
export type FillCursor = z.infer<typeof fillCursorSchema>;

export interface FillDeps extends PacedStepDeps {
  /** A paced client for AddThingToThingGroup (one attempt a call: pace() retries). */
  paced: IoTClient;
  /** A retrying client for the single group calls. */
  iot: IoTClient;
  s3: S3Client;
  bucket: string;
  rate: number;
}

export interface FillInput {
  excludeListFileName: string;
  staticGroupName: string;
  /** The version the job was checked against; without it, the list's current version. */
  listVersion?: ListVersion | null | undefined;
  cursor?: FillCursor | null | undefined;
}

export interface FillResult extends StepResult<FillCursor> {
  /** The list version read: fast-track reads this one, and refuses the list if it changed. */
  list: ListVersion;
  /** The fill ended incomplete (`invalid` or `failed` > 0) and removed the group it had created, empty. */
  removedEmptyGroup: boolean;
}

export async function fillExcludeGroup(deps: FillDeps, input: FillInput): Promise<FillResult> {
  const list = { bucket: deps.bucket, key: input.excludeListFileName };
  const { cursor } = input;
  const current = await currentListVersion(deps.s3, list);
  const version = cursor
    ? { etag: cursor.etag, versionId: cursor.versionId }
    : (input.listVersion ?? current);
  if (cursor) {
    checkUnchanged(list, version, current, {
      since: "this fill started",
      advice: "byte offsets into it would skip or repeat names; start the fill again without a cursor",
    });
  } else if (input.listVersion) {
    // The job was checked against this version: every line a thing name, at least one name.
    checkUnchanged(list, version, current, {
      since: "the job was started",
      advice: "start the job again, so that the new list is checked before anything is created",
    });
  }
  const group = input.staticGroupName;
  const description = excludeGroupDescription(list.key, version.etag);
  const created = await ensureStaticGroup(deps.iot, group, description, !!cursor);
  const createdGroup = cursor ? cursor.createdGroup : created;
  try {
    const result = await addListedNames(deps, input, list, version, createdGroup);
    const { added = 0, missing = 0, failed = 0, invalid = 0 } = result.counts;
    if (result.done && added + missing + failed + invalid === 0) throw noNamesError(list);
    const incomplete = result.done && (failed > 0 || invalid > 0);
    const removedEmptyGroup = incomplete && createdGroup && (await removeIfEmpty(deps.iot, group));
    return { ...result, list: version, removedEmptyGroup };
  } catch (error) {
    // A failure Step Functions retries needs the group; any other ends the fill.
    if (createdGroup && classifyError(error) === "fatal") {
      await removeIfEmpty(deps.iot, group).catch((cleanup: unknown) =>
        deps.logger.warn("could not remove the empty exclude group", { group, error: errorMessage(cleanup) }),
      );
    }
    throw error;
  }
}

async function addListedNames(
  deps: FillDeps,
  input: FillInput,
  list: ObjectLocation,
  version: ListVersion,
  createdGroup: boolean,
): Promise<StepResult<FillCursor>> {
  const { cursor } = input;
  const tally = cursor?.tally ?? emptyTally({ added: 0, missing: 0, invalid: 0, duplicate: 0, failed: 0 });
  const read: ListPosition = { from: cursor?.from ?? 0, line: cursor?.line ?? 1 };
  const members = uniqueMembers(
    readExcludeList(deps.s3, list, { ...read }, version),
    tally,
    deps.logger,
    read,
  );
  const addToGroup = async (name: string, abortSignal: AbortSignal) => {
    try {
      await deps.paced.send(
        new AddThingToThingGroupCommand({ thingGroupName: input.staticGroupName, thingName: name }),
        { abortSignal },
      );
      return "added";
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const failure = {
        name,
        reason: "thing does not exist",
        error: "ResourceNotFoundException",
        retryable: false,
      };
      recordFailure(tally, failure, deps.logger, "missing");
      return undefined;
    }
  };
  return runStep({
    cursor,
    tally,
    stream: members,
    position: () => ({ ...read, ...version, createdGroup }),
    source: `s3://${list.bucket}/${list.key}`,
    worker: addToGroup,
    rate: deps.rate,
    quotas: [IOT_QUOTAS.AddThingToThingGroup],
    deps,
  });
}

/**
 * The list's valid names, each once per invocation. Invalid lines and repeats are tallied here, as they are
 * read, and `read` moves past every line read: pace() pulls the next name only when it will add it, so
 * whatever was read (tallied or taken) lies before the cursor.
 */
async function* uniqueMembers(
  entries: AsyncIterable<ListEntry>,
  tally: Tally,
  logger: Logger,
  read: ListPosition,
): AsyncGenerator<string> {
  const seen = new Set<string>();
  for await (const entry of entries) {
    read.from = entry.end;
    read.line = entry.line + 1;
    if (entry.kind === "invalid") {
      const failure = { name: entry.text, reason: entry.reason, error: "InvalidThingName", retryable: false };
      recordFailure(tally, failure, logger, "invalid");
    } else if (seen.has(entry.name)) {
      count(tally, "duplicate");
    } else {
      seen.add(entry.name);
      yield entry.name;
    }
  }
}

/**
 * Creates the group unless it exists (true when it created it); an existing static group is used as it is (the
 * fill is usable on its own). When resuming, the group must still exist: names added to it would be lost.
 */
async function ensureStaticGroup(
  iot: IoTClient,
  thingGroupName: string,
  description: string,
  resuming: boolean,
): Promise<boolean> {
  const existing = await unlessNotFound(() => iot.send(new DescribeThingGroupCommand({ thingGroupName })));
  if (existing?.queryString) {
    throw new ConflictError(
      `${thingGroupName} is a dynamic thing group; an exclude list needs a static group`,
    );
  }
  if (existing) return false;
  if (resuming) {
    throw new ConflictError(
      `exclude group ${thingGroupName} no longer exists, though this fill has been adding to it; start the fill again without a cursor`,
    );
  }
  await iot.send(
    new CreateThingGroupCommand({
      thingGroupName,
      thingGroupProperties: { thingGroupDescription: description },
    }),
  );
  return true;
}

/** Deletes the group if it holds no thing; true when it did. */
async function removeIfEmpty(iot: IoTClient, thingGroupName: string): Promise<boolean> {
  const page = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName, maxResults: 1 }));
  if ((page.things ?? []).length > 0) return false;
  await iot.send(new DeleteThingGroupCommand({ thingGroupName }));
  return true;
}
