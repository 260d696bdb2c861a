import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { CLAIM_LEASE_MS, runDeployer } from "../core/deployer";
import { deployerEvent } from "../schemas";

const config = handlerConfig("deployer");
const db = awsClient(DynamoDBClient);
const sfn = awsClient(SFNClient);

export const handler = defineHandler({
  name: "deployer",
  schema: deployerEvent,
  handler: () =>
    runDeployer({
      db,
      sfn,
      table: config.SCHEDULE_TABLE,
      stateMachineArn: config.DEPLOY_STATE_MACHINE_ARN,
      perRun: config.DEPLOYMENTS_PER_RUN,
      maxAttempts: config.MAX_START_ATTEMPTS,
      leaseMs: CLAIM_LEASE_MS,
    }),
});
