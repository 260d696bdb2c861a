// Where a round stands, looked at by the state machine between its waits (no Lambda sleeps): not finished yet
// (with the next wait: doubling from pollSeconds up to maxPollSeconds, never past the deadline), or finished —
// the job completed or was cancelled (abort criteria), or the deadline passed — with the verdict: every target
// succeeded, or the devices that did not, each with its status and status details.
import {
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  type IoTClient,
  type JobExecutionSummaryForJob,
  ListJobExecutionsForJobCommand,
} from "@aws-sdk/client-iot";
import { thingNameOf } from "@fleet/shared-aws";

/** Devices described in a verdict; the rest are counted. */
export const MAX_REPORTED_FAILURES = 50;

export interface RoundStatusInput {
  jobId: string;
  round: number;
  deadlineAt: number;
  polls: number;
  pollSeconds: number;
  maxPollSeconds: number;
}

export interface DeviceFailure {
  thingName: string;
  status: string;
  statusDetails: Record<string, string>;
}

export type RoundStatus =
  | { finished: false; polls: number; waitSeconds: number; counts: Record<string, number> }
  | {
      finished: true;
      succeeded: boolean;
      jobStatus: string;
      deadlineReached: boolean;
      counts: Record<string, number>;
      failures: DeviceFailure[];
      failuresOmitted: number;
      cause: string;
    };

const OVER = new Set(["COMPLETED", "CANCELED", "DELETION_IN_PROGRESS"]);

export async function roundStatus(
  iot: IoTClient,
  input: RoundStatusInput,
  options: { now?: number; deadline?: number } = {},
): Promise<RoundStatus> {
  const now = options.now ?? Date.now();
  const { job } = await iot.send(new DescribeJobCommand({ jobId: input.jobId }));
  const details = job?.jobProcessDetails ?? {};
  const counts = Object.fromEntries(
    Object.entries(details).filter(([key, value]) => key.startsWith("numberOf") && typeof value === "number"),
  ) as Record<string, number>;
  const pending = (details.numberOfQueuedThings ?? 0) + (details.numberOfInProgressThings ?? 0);
  const started = Object.values(counts).some((n) => n > 0);
  // A CONTINUOUS job never completes: its round is over once every execution it has ended.
  const over =
    OVER.has(job?.status ?? "") || (job?.targetSelection === "CONTINUOUS" && started && pending === 0);
  const deadlineReached = !over && now >= input.deadlineAt;
  if (!over && !deadlineReached) {
    const backoff = input.pollSeconds * 2 ** input.polls;
    const untilDeadline = Math.max(1, Math.ceil((input.deadlineAt - now) / 1000));
    return {
      finished: false,
      polls: input.polls + 1,
      waitSeconds: Math.min(input.maxPollSeconds, backoff, untilDeadline),
      counts,
    };
  }
  const { failures, omitted } = await unsuccessful(
    iot,
    input.jobId,
    counts,
    options.deadline ?? Number.POSITIVE_INFINITY,
  );
  const succeeded =
    !deadlineReached && job?.status !== "CANCELED" && failures.length + omitted === 0 && started;
  return {
    finished: true,
    succeeded,
    jobStatus: job?.status ?? "UNKNOWN",
    deadlineReached,
    counts,
    failures,
    failuresOmitted: omitted,
    cause: succeeded
      ? ""
      : describeFailure(input, job?.status, deadlineReached, failures, omitted, job?.comment),
  };
}

/** Execution statuses that are not success, in the order a verdict lists them. */
const UNSUCCESSFUL = [
  "FAILED",
  "REJECTED",
  "TIMED_OUT",
  "CANCELED",
  "REMOVED",
  "IN_PROGRESS",
  "QUEUED",
] as const;
const COUNT_OF: Record<(typeof UNSUCCESSFUL)[number], string> = {
  FAILED: "numberOfFailedThings",
  REJECTED: "numberOfRejectedThings",
  TIMED_OUT: "numberOfTimedOutThings",
  CANCELED: "numberOfCanceledThings",
  REMOVED: "numberOfRemovedThings",
  IN_PROGRESS: "numberOfInProgressThings",
  QUEUED: "numberOfQueuedThings",
};

/**
 * The devices that did not succeed: the totals come from the job's process details, and only executions of an
 * unsuccessful status are listed (ListJobExecutionsForJob's status filter), at most MAX_REPORTED_FAILURES of
 * them and only while the invocation has time: a large fleet is never listed in one short Lambda.
 */
async function unsuccessful(
  iot: IoTClient,
  jobId: string,
  counts: Record<string, number>,
  deadline: number,
): Promise<{ failures: DeviceFailure[]; omitted: number }> {
  const total = UNSUCCESSFUL.reduce((sum, status) => sum + (counts[COUNT_OF[status]] ?? 0), 0);
  const failures: DeviceFailure[] = [];
  for (const status of UNSUCCESSFUL) {
    if (!counts[COUNT_OF[status]]) continue;
    let nextToken: string | undefined;
    do {
      if (failures.length >= MAX_REPORTED_FAILURES || Date.now() >= deadline) break;
      const page = await iot.send(
        new ListJobExecutionsForJobCommand({
          jobId,
          status,
          maxResults: MAX_REPORTED_FAILURES - failures.length,
          nextToken,
        }),
      );
      for (const execution of page.executionSummaries ?? []) {
        if (failures.length >= MAX_REPORTED_FAILURES || Date.now() >= deadline) break;
        failures.push(await describeExecution(iot, jobId, execution));
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return { failures, omitted: Math.max(0, total - failures.length) };
}

/** A listed execution with its status details (DescribeJobExecution: the listing carries none). */
export async function describeExecution(
  iot: IoTClient,
  jobId: string,
  execution: JobExecutionSummaryForJob,
): Promise<DeviceFailure> {
  const thingName = thingNameOf(execution.thingArn ?? "");
  const described = await iot.send(new DescribeJobExecutionCommand({ jobId, thingName }));
  return {
    thingName,
    status: described.execution?.status ?? execution.jobExecutionSummary?.status ?? "UNKNOWN",
    statusDetails: described.execution?.statusDetails?.detailsMap ?? {},
  };
}

/** Step Functions takes a Fail state's cause up to 32,768 characters. */
export const MAX_CAUSE_CHARS = 32_000;

function describeFailure(
  input: RoundStatusInput,
  jobStatus: string | undefined,
  deadlineReached: boolean,
  failures: DeviceFailure[],
  omitted: number,
  comment: string | undefined,
): string {
  const why = deadlineReached
    ? "the round's deadline passed before every device finished"
    : jobStatus === "CANCELED"
      ? `the job was cancelled${comment ? ` (${comment})` : ""}`
      : failures.length + omitted === 0
        ? "the job targeted no device"
        : "not every device succeeded";
  const devices = failures
    .map(
      (f) =>
        `${f.thingName} ${f.status}${Object.keys(f.statusDetails).length ? ` ${JSON.stringify(f.statusDetails)}` : ""}`,
    )
    .join("; ");
  const cause = `round ${input.round} (job ${input.jobId}) failed: ${why}${devices ? `: ${devices}` : ""}${omitted ? ` and ${omitted} more` : ""}`;
  return cause.length <= MAX_CAUSE_CHARS
    ? cause
    : `${cause.slice(0, MAX_CAUSE_CHARS - 60)} … (cut; the round-status result lists every device)`;
}
