// The schedule queue: one DynamoDB item per scheduled deployment, partitioned by status (the original's hash key)
// and sorted by its id, which starts with the submission time to the millisecond (its range key), so the oldest
// pending deployment is the first item of the PendingDeployment partition. A deployment moves between statuses
// by a transaction that deletes it from one partition only if it is still there and puts it in the next only
// if it is not there yet: of any number of movers exactly one wins, and an item is never in two statuses.
import { randomBytes } from "node:crypto";
import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { errorName } from "@fleet/shared-aws";
import * as z from "zod/mini";

export const PARTITION_KEY = "status";
export const SORT_KEY = "deploymentId";
/** The table's time-to-live attribute: a settled entry's end of history, in epoch seconds. */
export const EXPIRES_AT = "expiresAt";

export const STATUS = {
  pending: "PendingDeployment",
  /** A deployer took it and is starting it; its lease says until when the deployer may still be at it. */
  claimed: "Claimed",
  deployed: "Deployed",
  failed: "Failed",
} as const;
export type Status = (typeof STATUS)[keyof typeof STATUS];

/**
 * `<submittedAt, compact UTC to the ms>-<80 random bits>`: sorts by submission time, two submissions in the same
 * millisecond get two ids, and it is a valid Step Functions execution name (letters, digits, '-', ≤ 80).
 */
export const DEPLOYMENT_ID = /^\d{8}T\d{9}Z-[0-9a-f]{20}$/;

export function newDeploymentId(submittedAt: Date, random = randomBytes(10).toString("hex")): string {
  const compact = submittedAt.toISOString().replace(/[-:.]/g, "");
  return `${compact}-${random}`;
}

// Not strict: an attribute an operator added in the console, or a newer version wrote, is dropped, not an error.
const entrySchema = z.object({
  status: z.enum(Object.values(STATUS) as [Status, ...Status[]]),
  deploymentId: z.string().check(z.regex(DEPLOYMENT_ID)),
  submittedAt: z.string(),
  release: z.string(),
  jobId: z.string(),
  /** The validated deployment config, as JSON: the deploy state machine's input. */
  config: z.string(),
  /** Starts tried (a claim or a re-drive of an expired claim counts one). */
  attempts: z.int(),
  claimToken: z.optional(z.string()),
  /** Epoch ms: until then the claim's deployer may still be starting it; after, a later run re-drives it. */
  leaseUntil: z.optional(z.int()),
  /** Why the last start failed, while it is retried. */
  lastError: z.optional(z.string()),
  executionArn: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  reason: z.optional(z.string()),
  failedAt: z.optional(z.string()),
  /** Epoch seconds, on a Deployed or Failed entry only: DynamoDB deletes it some time (within days) after. */
  expiresAt: z.optional(z.int()),
});
export type QueueEntry = z.infer<typeof entrySchema>;

/** An item of the queue that is not an entry (hand-edited, or corrupted): skipped, with its key and the problem. */
export interface MalformedItem {
  status: string;
  deploymentId: string;
  problem: string;
}

export interface QueueDeps {
  db: DynamoDBClient;
  table: string;
}

/** An entry as the table holds it: strings and numbers. */
export function toItem(entry: QueueEntry): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(entry).flatMap(([name, value]): [string, AttributeValue][] =>
      value === undefined ? [] : [[name, typeof value === "number" ? { N: String(value) } : { S: value }]],
    ),
  );
}

/** An item as the table holds it, read (and checked) as an entry, its unknown attributes dropped; or why not. */
export function readItem(item: Record<string, AttributeValue>): QueueEntry | MalformedItem {
  const parsed = z.safeParse(
    entrySchema,
    Object.fromEntries(
      Object.entries(item).map(([name, value]) => [name, value.N !== undefined ? Number(value.N) : value.S]),
    ),
  );
  if (parsed.success) return parsed.data;
  return {
    status: item[PARTITION_KEY]?.S ?? "?",
    deploymentId: item[SORT_KEY]?.S ?? "?",
    problem: parsed.error.issues.map((i) => `${i.path.join(".") || "item"}: ${i.message}`).join("; "),
  };
}

/** An item read as an entry; throws naming the problem if it is none. */
export function fromItem(item: Record<string, AttributeValue>): QueueEntry {
  const read = readItem(item);
  if ("problem" in read) throw new Error(`queue item ${read.status}/${read.deploymentId}: ${read.problem}`);
  return read;
}

const isMalformed = (read: QueueEntry | MalformedItem): read is MalformedItem => "problem" in read;

const key = (status: Status, deploymentId: string) => ({
  [PARTITION_KEY]: { S: status },
  [SORT_KEY]: { S: deploymentId },
});

/** Puts a new pending entry; the put fails rather than replace an entry with the same id. */
export async function putPending(deps: QueueDeps, entry: QueueEntry): Promise<"created" | "taken"> {
  try {
    await deps.db.send(
      new PutItemCommand({
        TableName: deps.table,
        Item: toItem(entry),
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": SORT_KEY },
      }),
    );
    return "created";
  } catch (error) {
    if (errorName(error) === "ConditionalCheckFailedException") return "taken";
    throw error;
  }
}

/**
 * One page of entries of one status, oldest first, after the entry `after` names; `next` names the last read.
 * Items that are not entries are set apart in `malformed`, so one bad item never hides the rest of the queue.
 */
export async function entryPage(
  deps: QueueDeps,
  status: Status,
  options: { limit: number; after?: string | undefined; leaseEndedBefore?: number },
): Promise<{ entries: QueueEntry[]; malformed: MalformedItem[]; next?: string }> {
  const expired = options.leaseEndedBefore;
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "#status = :status",
      ...(expired === undefined ? {} : { FilterExpression: "#lease < :now" }),
      ExpressionAttributeNames: {
        "#status": PARTITION_KEY,
        ...(expired === undefined ? {} : { "#lease": "leaseUntil" }),
      },
      ExpressionAttributeValues: {
        ":status": { S: status },
        ...(expired === undefined ? {} : { ":now": { N: String(expired) } }),
      },
      ScanIndexForward: true,
      ConsistentRead: true,
      Limit: options.limit,
      ...(options.after ? { ExclusiveStartKey: key(status, options.after) } : {}),
    }),
  );
  const next = page.LastEvaluatedKey?.[SORT_KEY]?.S;
  const read = (page.Items ?? []).map(readItem);
  return {
    entries: read.filter((r): r is QueueEntry => !isMalformed(r)),
    malformed: read.filter(isMalformed),
    ...(next ? { next } : {}),
  };
}

/**
 * Every entry of one status, oldest first, read a page at a time; `leaseEndedBefore` keeps expired claims only.
 * Malformed items are handed to `onMalformed` and skipped.
 */
export async function* entries(
  deps: QueueDeps,
  status: Status,
  options: { pageSize: number; leaseEndedBefore?: number; onMalformed: (item: MalformedItem) => void },
): AsyncGenerator<QueueEntry> {
  let after: string | undefined;
  do {
    const page = await entryPage(deps, status, { ...options, limit: options.pageSize, after });
    for (const item of page.malformed) options.onMalformed(item);
    yield* page.entries;
    after = page.next;
  } while (after);
}

/**
 * Moves `from` (as it was read) to `to` in one transaction: deleted from its partition only if it is still there
 * (and, for a claimed entry, still held by the same claim), put in the next only if absent. False: another
 * deployer moved it first.
 */
export async function move(deps: QueueDeps, from: QueueEntry, to: QueueEntry): Promise<boolean> {
  const held = from.claimToken !== undefined && from.status === STATUS.claimed;
  try {
    await deps.db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Delete: {
              TableName: deps.table,
              Key: key(from.status, from.deploymentId),
              ConditionExpression: held ? "#token = :token" : "attribute_exists(#id)",
              ExpressionAttributeNames: held ? { "#token": "claimToken" } : { "#id": SORT_KEY },
              ...(held ? { ExpressionAttributeValues: { ":token": { S: from.claimToken as string } } } : {}),
            },
          },
          {
            Put: {
              TableName: deps.table,
              Item: toItem(to),
              ConditionExpression: "attribute_not_exists(#id)",
              ExpressionAttributeNames: { "#id": SORT_KEY },
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (lostRace(error)) return false;
    throw error;
  }
}

/**
 * Changes a claimed entry in place while it is held by the claim `from` names: a re-drive takes an expired claim
 * over (new token, new lease), a failed start records its error. False: another deployer changed it first.
 */
export async function updateClaim(
  deps: QueueDeps,
  from: QueueEntry,
  changes: Pick<QueueEntry, "claimToken" | "leaseUntil" | "attempts"> & { lastError?: string },
  onlyIfLeaseEndedBefore?: number,
): Promise<boolean> {
  const names: Record<string, string> = {
    "#token": "claimToken",
    "#lease": "leaseUntil",
    "#attempts": "attempts",
  };
  const values: Record<string, AttributeValue> = {
    ":held": { S: from.claimToken as string },
    ":token": { S: changes.claimToken as string },
    ":lease": { N: String(changes.leaseUntil) },
    ":attempts": { N: String(changes.attempts) },
  };
  let set = "SET #token = :token, #lease = :lease, #attempts = :attempts";
  if (changes.lastError !== undefined) {
    names["#error"] = "lastError";
    values[":error"] = { S: changes.lastError };
    set += ", #error = :error";
  }
  let condition = "#token = :held";
  if (onlyIfLeaseEndedBefore !== undefined) {
    values[":now"] = { N: String(onlyIfLeaseEndedBefore) };
    condition += " AND #lease < :now";
  }
  try {
    await deps.db.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: key(STATUS.claimed, from.deploymentId),
        UpdateExpression: set,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (errorName(error) === "ConditionalCheckFailedException") return false;
    throw error;
  }
}

/** A transaction cancelled because its conditions failed or another transaction held the item: someone else won. */
function lostRace(error: unknown): boolean {
  if (errorName(error) !== "TransactionCanceledException") return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict");
}
