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
  now = Date.now(),
): Promise<RoundStatus> {
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
  const { failures, omitted } = await unsuccessful(iot, input.jobId);
  const succeeded = !deadlineReached && job?.status !== "CANCELED" && failures.length === 0 && started;
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

async function unsuccessful(
  iot: IoTClient,
  jobId: string,
): Promise<{ failures: DeviceFailure[]; omitted: number }> {
  const others: JobExecutionSummaryForJob[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListJobExecutionsForJobCommand({ jobId, maxResults: 250, nextToken }));
    for (const execution of page.executionSummaries ?? []) {
      if (execution.jobExecutionSummary?.status !== "SUCCEEDED") others.push(execution);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  const failures: DeviceFailure[] = [];
  for (const execution of others.slice(0, MAX_REPORTED_FAILURES)) {
    const thingName = (execution.thingArn ?? "").split("/").pop() as string;
    const described = await iot.send(new DescribeJobExecutionCommand({ jobId, thingName }));
    failures.push({
      thingName,
      status: described.execution?.status ?? execution.jobExecutionSummary?.status ?? "UNKNOWN",
      statusDetails: described.execution?.statusDetails?.detailsMap ?? {},
    });
  }
  return { failures, omitted: Math.max(0, others.length - MAX_REPORTED_FAILURES) };
}

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
      : failures.length === 0
        ? "the job targeted no device"
        : "not every device succeeded";
  const devices = failures
    .map(
      (f) =>
        `${f.thingName} ${f.status}${Object.keys(f.statusDetails).length ? ` ${JSON.stringify(f.statusDetails)}` : ""}`,
    )
    .join("; ");
  return `round ${input.round} (job ${input.jobId}) failed: ${why}${devices ? `: ${devices}` : ""}${omitted ? ` and ${omitted} more` : ""}`;
}
