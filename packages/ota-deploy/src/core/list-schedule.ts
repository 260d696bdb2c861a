// What an operator sees of the queue: one status's entries, oldest first, a page at a time, without the queued
// config (up to 256 KiB each) and the claim's token (the deployer's alone); items that are not entries are listed
// apart, by key and problem, so an operator can find and repair them.
import {
  entryPage,
  type MalformedItem,
  type QueueDeps,
  type QueueEntry,
  type Status,
} from "./schedule-queue";

export type ScheduledDeployment = Omit<QueueEntry, "config" | "claimToken">;

export interface ScheduleListing {
  status: Status;
  deployments: ScheduledDeployment[];
  /** Items of this status that are not queue entries (the deployer skips them). */
  malformed: MalformedItem[];
  /** Pass as `after` for the next page; absent on the last. */
  next?: string;
}

export async function listSchedule(
  deps: QueueDeps,
  request: { status: Status; limit: number; after?: string | undefined },
): Promise<ScheduleListing> {
  const page = await entryPage(deps, request.status, request);
  return {
    status: request.status,
    deployments: page.entries.map(({ config: _config, claimToken: _token, ...shown }) => shown),
    malformed: page.malformed,
    ...(page.next ? { next: page.next } : {}),
  };
}
