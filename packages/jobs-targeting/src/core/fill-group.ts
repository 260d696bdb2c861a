// Fills a static thing group from an exclude list at the AddThingToThingGroup rate, resumable by byte offset.
// Names of things that do not exist and lines that are not thing names are reported, never fatal. The cursor
// pins the list's ETag: byte offsets into a list that has since changed would skip or repeat names.
import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DescribeThingGroupCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import type { S3Client } from "@aws-sdk/client-s3";
import { ConflictError, pace } from "@fleet/shared-aws";
import { z } from "zod";
import { isNotFound, unlessNotFound } from "./aws-errors";
import { excludeGroupDescription, type ListEntry, readExcludeList } from "./exclude-list";
import { headObject } from "./s3-objects";
import {
  addPaceResult,
  count,
  emptyTally,
  type Logger,
  recordFailure,
  type StepResult,
  stepResult,
  type Tally,
  tallySchema,
} from "./tally";

export const fillCursorSchema = z.strictObject({
  from: z.number().int().min(0),
  etag: z.string(),
  tally: tallySchema,
});
export type FillCursor = z.infer<typeof fillCursorSchema>;

export interface FillDeps {
  /** A paced client for AddThingToThingGroup (one attempt a call: pace() retries). */
  paced: IoTClient;
  /** A retrying client for the single group calls. */
  iot: IoTClient;
  s3: S3Client;
  bucket: string;
  rate: number;
  concurrency: number;
  deadline: number;
  logger: Logger;
}

export interface FillInput {
  excludeListFileName: string;
  staticGroupName: string;
  cursor?: FillCursor | null | undefined;
}

interface Member {
  name: string;
  end: number;
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
  const from = cursor?.from ?? 0;
  const members = uniqueMembers(readExcludeList(deps.s3, list, from), tally, deps.logger);
  const addToGroup = async (member: Member) => {
    try {
      await deps.paced.send(
        new AddThingToThingGroupCommand({ thingGroupName: input.staticGroupName, thingName: member.name }),
      );
      return "added";
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const failure = {
        name: member.name,
        reason: "thing does not exist",
        error: "ResourceNotFoundException",
        retryable: false,
      };
      recordFailure(tally, failure, deps.logger, "missing");
      return undefined;
    }
  };
  const result = await pace(members, addToGroup, {
    rate: deps.rate,
    concurrency: deps.concurrency,
    deadline: deps.deadline,
    describe: (member) => member.name,
  });
  const run = addPaceResult(tally, result, deps.rate, deps.logger);
  return stepResult(result.done, { from: result.lastConsumed?.end ?? from, etag, tally }, tally, run);
}

/**
 * The list's valid names, each once per invocation. Invalid lines and repeats are tallied here, as they are
 * read: pace() pulls the next name only when it will add it, so whatever was tallied lies before the cursor.
 */
async function* uniqueMembers(
  entries: AsyncIterable<ListEntry>,
  tally: Tally,
  logger: Logger,
): AsyncGenerator<Member> {
  const seen = new Set<string>();
  for await (const entry of entries) {
    if (entry.kind === "invalid") {
      const failure = { name: entry.text, reason: entry.reason, error: "InvalidThingName", retryable: false };
      recordFailure(tally, failure, logger, "invalid");
    } else if (seen.has(entry.name)) {
      count(tally, "duplicate");
    } else {
      seen.add(entry.name);
      yield { name: entry.name, end: entry.end };
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
