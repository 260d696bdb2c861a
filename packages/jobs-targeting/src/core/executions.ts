// The state machine executions of one job, named `<jobName>-<n>`: n is one more than the highest n among the
// job's executions Step Functions still lists. The name is the claim: two starts at the same instant pick the
// same name, and Step Functions lets one execution have it (StartExecution with a name in use is idempotent with
// the same input, and ExecutionAlreadyExists otherwise). start-targeted-job reuses a running execution instead
// of starting a second; teardown stops them before it deletes what they are building.
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  ListExecutionsCommand,
  type SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { errorName } from "@fleet/shared-aws";

/** The name of the `generation`th execution of `jobName` (names are unique for 90 days, as Step Functions requires). */
export const executionNameFor = (jobName: string, generation: number) => `${jobName}-${generation}`;

/** The number in an execution name of `jobName`, or undefined when it is not one (job `a` vs job `a-b`). */
export function generationOf(name: string | undefined, jobName: string): number | undefined {
  const prefix = `${jobName}-`;
  if (!name?.startsWith(prefix)) return undefined;
  const suffix = name.slice(prefix.length);
  return /^\d{1,15}$/.test(suffix) ? Number(suffix) : undefined;
}

/** Whether `name` is an execution of `jobName` (not of a job whose name merely starts the same way). */
export const isExecutionOf = (name: string | undefined, jobName: string) =>
  generationOf(name, jobName) !== undefined;

/** The generation the next execution of `jobName` claims: one more than any listed. */
export function nextGeneration(executions: readonly ExecutionListItem[], jobName: string): number {
  return Math.max(0, ...executions.map((e) => generationOf(e.name, jobName) ?? 0)) + 1;
}

/** The executions of `jobName` (RUNNING ones only with `status`), over all pages of ListExecutions. */
export async function executionsOf(
  sfn: SFNClient,
  stateMachineArn: string,
  jobName: string,
  status?: ExecutionStatus,
): Promise<ExecutionListItem[]> {
  const found: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn,
        ...(status ? { statusFilter: status } : {}),
        maxResults: 1000,
        nextToken,
      }),
    );
    for (const execution of page.executions ?? [])
      if (isExecutionOf(execution.name, jobName)) found.push(execution);
    nextToken = page.nextToken ?? undefined;
  } while (nextToken);
  return found;
}

/** Every RUNNING execution of `jobName`. */
export const runningExecutionsOf = (sfn: SFNClient, stateMachineArn: string, jobName: string) =>
  executionsOf(sfn, stateMachineArn, jobName, "RUNNING");

/** arn:…:stateMachine:<machine> and a name → arn:…:execution:<machine>:<name>. */
export const executionArnFor = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(/:stateMachine:([^:]+)$/, ":execution:$1")}:${name}`;

/** An execution's status and the input it was started with, parsed. */
export async function describeExecution(
  sfn: SFNClient,
  executionArn: string,
): Promise<{ status: ExecutionStatus | undefined; input: unknown }> {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  let input: unknown = null;
  try {
    input = JSON.parse(described.input ?? "null");
  } catch {
    // An input that is not JSON is no plan of ours: compared, it differs in every field.
  }
  return { status: described.status, input };
}

/**
 * Stops each RUNNING execution of `jobName`; returns the ARNs it stopped. One that ended meanwhile is not an
 * error. A Lambda step already invoked finishes its invocation: Step Functions does not interrupt it.
 */
export async function stopRunningExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  jobName: string,
  cause: string,
): Promise<string[]> {
  const stopped: string[] = [];
  for (const execution of await runningExecutionsOf(sfn, stateMachineArn, jobName)) {
    const executionArn = execution.executionArn as string;
    try {
      await sfn.send(new StopExecutionCommand({ executionArn, error: "Teardown", cause }));
      stopped.push(executionArn);
    } catch (error) {
      if (errorName(error) !== "ExecutionDoesNotExist") throw error;
    }
  }
  return stopped;
}
