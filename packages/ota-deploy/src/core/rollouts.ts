// Rollouts in progress: the deploy state machine's RUNNING executions, counted (ListExecutions pages of 1000, so
// one call in any realistic stack). Published by every deployer run as a gauge, it is right whatever the
// dashboard's range, unlike a running sum of started and ended counts.
import { ListExecutionsCommand, type SFNClient } from "@aws-sdk/client-sfn";

export async function rolloutsInProgress(sfn: SFNClient, stateMachineArn: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING", maxResults: 1000, nextToken }),
    );
    count += page.executions?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}
