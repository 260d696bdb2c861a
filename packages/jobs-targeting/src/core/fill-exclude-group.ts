// Fills a static thing group from an exclude list at the AddThingToThingGroup rate, resumable by byte offset.
// Names of things that do not exist and lines that are not thing names are reported, never fatal. A name whose
// add failed for a reason that may pass is carried in the cursor and added first by the next invocation: the
// fill is done only when nothing is left to retry, and a name that still fails is a final failure (`failed`),
// which the state machine refuses to target around. The cursor pins the list's ETag: byte offsets into a list
// that has since changed would skip or repeat names.
import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DescribeThingGroupCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import type { S3Client } from "@aws-sdk/client-s3";
import { ConflictError, isNotFound, unlessNotFound } from "@fleet/shared-aws";
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
import { z } from "zod";
import { excludeGroupDescription, type ListEntry, readExcludeList } from "./exclude-list";
import { headObject } from "./s3-objects";

export const fillCursorSchema = z.strictObject({
  /** Byte offset in the list after the last line read. */
  from: z.number().int().min(0),
  etag: z.string(),
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
  cursor?: FillCursor | null | undefined;
}

export async function fillExcludeGroup(deps: FillDeps, input: FillInput): Promise<StepResult<FillCursor>> {
  const list = { bucket: deps.bucket, key: input.excludeListFileName };
  const { etag } = await headObject(deps.s3, list);
  const { cursor } = input;
  if (cursor && cursor.etag !== etag) {
    throw new ConflictError(
      `s3://${list.bucket}/${list.key} changed since this fill started (etag ${cursor.etag}, now ${etag}); start the fill again without a cursor`,
    );
  }
  if (!cursor)
    await ensureStaticGroup(deps.iot, input.staticGroupName, excludeGroupDescription(list.key, etag));

  const tally = cursor?.tally ?? emptyTally({ added: 0, missing: 0, invalid: 0, duplicate: 0, failed: 0 });
  const read = { from: cursor?.from ?? 0 };
  const members = uniqueMembers(readExcludeList(deps.s3, list, read.from), tally, deps.logger, read);
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
    position: () => ({ from: read.from, etag }),
    source: `s3://${list.bucket}/${list.key}`,
    worker: addToGroup,
    rate: deps.rate,
    quotas: [IOT_QUOTAS.AddThingToThingGroup],
    deps,
  });
}

/**
 * The list's valid names, each once per invocation. Invalid lines and repeats are tallied here, as they are
 * read, and `read.from` moves past every line read: pace() pulls the next name only when it will add it, so
 * whatever was read (tallied or taken) lies before the cursor.
 */
async function* uniqueMembers(
  entries: AsyncIterable<ListEntry>,
  tally: Tally,
  logger: Logger,
  read: { from: number },
): AsyncGenerator<string> {
  const seen = new Set<string>();
  for await (const entry of entries) {
    read.from = entry.end;
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

/** Creates the group unless it exists; an existing group is used as it is (the fill is usable on its own). */
async function ensureStaticGroup(iot: IoTClient, thingGroupName: string, description: string): Promise<void> {
  const existing = await unlessNotFound(() => iot.send(new DescribeThingGroupCommand({ thingGroupName })));
  if (existing?.queryString) {
    throw new ConflictError(
      `${thingGroupName} is a dynamic thing group; an exclude list needs a static group`,
    );
  }
  if (!existing) {
    await iot.send(
      new CreateThingGroupCommand({
        thingGroupName,
        thingGroupProperties: { thingGroupDescription: description },
      }),
    );
  }
}
