// The state machine executions of one job: start-targeted-job names each `<jobName>-<epoch ms>`, so the running
// ones of a job are found by name. start-targeted-job reuses one instead of starting a second; teardown stops
// them before it deletes what they are building.
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  type SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { errorName } from "@fleet/shared-aws";

/** The name of an execution started now for `jobName`: unique for 90 days, as Step Functions requires. */
export const executionNameFor = (jobName: string, now: number) => `${jobName}-${now}`;

/** Whether `name` is an execution of `jobName` (not of a job whose name merely starts the same way). */
export function isExecutionOf(name: string | undefined, jobName: string): boolean {
  const prefix = `${jobName}-`;
  return !!name?.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length));
}

/** Every RUNNING execution of `jobName`, over all pages of ListExecutions. */
export async function runningExecutionsOf(
  sfn: SFNClient,
  stateMachineArn: string,
  jobName: string,
): Promise<ExecutionListItem[]> {
  const running: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING", maxResults: 1000, nextToken }),
    );
    for (const execution of page.executions ?? [])
      if (isExecutionOf(execution.name, jobName)) running.push(execution);
    nextToken = page.nextToken ?? undefined;
  } while (nextToken);
  return running;
}

/** The input an execution was started with, parsed. */
export async function executionInput(sfn: SFNClient, executionArn: string): Promise<unknown> {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  try {
    return JSON.parse(described.input ?? "null");
  } catch {
    return null;
  }
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
