// A job at a glance, for an operator: its status, counts per execution status (DescribeJob's process details,
// never a call per device), rollout config with the rate achieved and the progress, abort, timeout and retry
// config, when it was created and how long it has run; and the devices that failed, were rejected or timed out,
// with their status details, a page at a time (ListJobExecutionsForJob's status filter, then DescribeJobExecution
// per listed device), every call spaced to the configured rate. An answer ends early, before the Lambda's time
// runs out, when the rate would not let it describe a whole page in the time left: a listed page cannot be
// resumed half-way, so each listing asks for no more devices than the time left can describe. The result's
// cursor, bound to its job, asks for the next page.
import { DescribeJobCommand, type IoTClient, ListJobExecutionsForJobCommand } from "@aws-sdk/client-iot";
import { errorName, NotFoundError, unlessNotFound, ValidationError } from "@fleet/shared-aws";
import type { Gate } from "@fleet/shared-aws/steps";
import { type DeviceFailure, describeExecution } from "./round-status";

/** The statuses whose devices are listed, in this order. */
export const LISTED_STATUSES = ["FAILED", "REJECTED", "TIMED_OUT"] as const;
export type ListedStatus = (typeof LISTED_STATUSES)[number];

export interface StatusCursor {
  /** The job it pages: a cursor is refused for any other. */
  jobId: string;
  status: ListedStatus;
  nextToken?: string | undefined;
}

export interface JobStatusInput {
  jobId: string;
  pageSize: number;
  cursor?: StatusCursor | null | undefined;
}

/** jobProcessDetails' counters, named by the execution status they count. */
const COUNTERS = {
  QUEUED: "numberOfQueuedThings",
  IN_PROGRESS: "numberOfInProgressThings",
  SUCCEEDED: "numberOfSucceededThings",
  FAILED: "numberOfFailedThings",
  REJECTED: "numberOfRejectedThings",
  TIMED_OUT: "numberOfTimedOutThings",
  CANCELED: "numberOfCanceledThings",
  REMOVED: "numberOfRemovedThings",
} as const;

export interface JobStatus {
  jobId: string;
  jobStatus: string;
  targetSelection: string | undefined;
  reasonCode: string | undefined;
  comment: string | undefined;
  forceCanceled: boolean;
  createdAt: string | undefined;
  completedAt: string | undefined;
  /** From creation to completion, or to now while the job runs. */
  elapsedSeconds: number | undefined;
  counts: Record<keyof typeof COUNTERS, number>;
  total: number;
  progress: {
    /** Executions past QUEUED. */
    started: number;
    /** Executions in a terminal status. */
    finished: number;
    /** finished ÷ total, in percent (two decimals). */
    percent: number;
    /** started ÷ elapsed minutes: the rollout rate achieved, to set beside the configured one. */
    startedPerMinute: number | undefined;
  };
  rollout: unknown;
  abort: unknown;
  timeout: unknown;
  retry: unknown;
  devices: DeviceFailure[];
  /** Pass it back as `cursor` for the next page; null: every listed device has been shown. */
  nextCursor: StatusCursor | null;
}

export interface JobStatusDeps {
  iot: IoTClient;
  /** Spaces out every IoT call of the invocation. */
  gate: Gate;
  /** The gate's rate (calls per second): how many calls the time left allows. */
  callsPerSecond: number;
  /** Epoch ms: no call may be planned to end after it (the Lambda's remaining time less a margin). */
  deadline: number;
  now?: () => number;
}

export async function jobStatus(deps: JobStatusDeps, input: JobStatusInput): Promise<JobStatus> {
  if (input.cursor && input.cursor.jobId !== input.jobId) {
    throw new ValidationError([
      `cursor: it pages job ${input.cursor.jobId}, not ${input.jobId} (pass the nextCursor of this job's answer)`,
    ]);
  }
  const now = deps.now?.() ?? Date.now();
  await deps.gate();
  const described = await unlessNotFound(() => deps.iot.send(new DescribeJobCommand({ jobId: input.jobId })));
  const job = described?.job;
  if (!job) throw new NotFoundError(`jobId: no job ${input.jobId}`);
  const details = (job.jobProcessDetails ?? {}) as Record<string, number | undefined>;
  const counts = Object.fromEntries(
    Object.entries(COUNTERS).map(([status, field]) => [status, details[field] ?? 0]),
  ) as JobStatus["counts"];
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const started = total - counts.QUEUED;
  const finished = started - counts.IN_PROGRESS;
  const end = job.completedAt?.getTime() ?? now;
  const elapsedSeconds = job.createdAt
    ? Math.max(0, Math.round((end - job.createdAt.getTime()) / 1000))
    : undefined;
  const { devices, nextCursor } = await listDevices(deps, input, counts);
  return {
    jobId: input.jobId,
    jobStatus: job.status ?? "UNKNOWN",
    targetSelection: job.targetSelection,
    reasonCode: job.reasonCode,
    comment: job.comment,
    forceCanceled: job.forceCanceled ?? false,
    createdAt: job.createdAt?.toISOString(),
    completedAt: job.completedAt?.toISOString(),
    elapsedSeconds,
    counts,
    total,
    progress: {
      started,
      finished,
      percent: total === 0 ? 0 : Math.round((finished / total) * 10_000) / 100,
      startedPerMinute:
        elapsedSeconds === undefined || elapsedSeconds === 0
          ? undefined
          : Math.round((started / (elapsedSeconds / 60)) * 100) / 100,
    },
    rollout: job.jobExecutionsRolloutConfig ?? null,
    abort: job.abortConfig ?? null,
    timeout: job.timeoutConfig ?? null,
    retry: job.jobExecutionsRetryConfig ?? null,
    devices,
    nextCursor,
  };
}

/**
 * Up to pageSize devices from the cursor on, status by status; a status the process details count none of is
 * not listed at all. Each listing asks for no more devices than can be described before the deadline at the
 * gate's rate (one at least, so every answer moves on). The cursor left points at the first device not shown.
 */
async function listDevices(
  deps: JobStatusDeps,
  input: JobStatusInput,
  counts: JobStatus["counts"],
): Promise<{ devices: DeviceFailure[]; nextCursor: StatusCursor | null }> {
  const now = deps.now ?? Date.now;
  const devices: DeviceFailure[] = [];
  const from = input.cursor ? LISTED_STATUSES.indexOf(input.cursor.status) : 0;
  let nextToken = input.cursor?.nextToken;
  const cursor = (status: ListedStatus) => ({
    devices,
    nextCursor: { jobId: input.jobId, status, nextToken },
  });
  for (const status of LISTED_STATUSES.slice(from)) {
    if (counts[status] > 0) {
      do {
        // The calls the time left allows, the listing itself first.
        const describable = Math.floor(((deps.deadline - now()) / 1000) * deps.callsPerSecond) - 1;
        const maxResults = Math.min(
          input.pageSize - devices.length,
          devices.length === 0 ? Math.max(1, describable) : describable,
        );
        if (maxResults < 1) return cursor(status);
        await deps.gate();
        const page = await listPage(deps.iot, { jobId: input.jobId, status, maxResults, nextToken });
        for (const execution of page.executionSummaries ?? []) {
          await deps.gate();
          devices.push(await describeExecution(deps.iot, input.jobId, execution));
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
    nextToken = undefined;
  }
  return { devices, nextCursor: null };
}

/** One listing; a token AWS no longer takes (stale, or made up) is the caller's `cursor` at fault. */
async function listPage(
  iot: IoTClient,
  request: { jobId: string; status: ListedStatus; maxResults: number; nextToken: string | undefined },
) {
  try {
    return await iot.send(new ListJobExecutionsForJobCommand(request));
  } catch (error) {
    if (request.nextToken !== undefined && errorName(error) === "InvalidRequestException") {
      throw new ValidationError([
        `cursor: its nextToken is not one AWS takes any more (${errorName(error)}); ask again without a cursor`,
      ]);
    }
    throw error;
  }
}
