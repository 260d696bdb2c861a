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
  handler: async (_event, { logger, metrics }) => {
    const result = await runDeployer({
      db,
      sfn,
      table: config.SCHEDULE_TABLE,
      stateMachineArn: config.DEPLOY_STATE_MACHINE_ARN,
      perRun: config.DEPLOYMENTS_PER_RUN,
      maxAttempts: config.MAX_START_ATTEMPTS,
      leaseMs: CLAIM_LEASE_MS,
    });
    // An operator watches failures: each one logged with its reason and counted, as are starts and retries.
    for (const deployment of result.deployed) logger.info("deployment started", deployment);
    for (const deployment of result.retrying) logger.warn("deployment start will be retried", deployment);
    for (const deployment of result.failed) logger.error("deployment failed", deployment);
    metrics.addMetric("DeploymentsStarted", "Count", result.deployed.length);
    metrics.addMetric("DeploymentStartsRetried", "Count", result.retrying.length);
    metrics.addMetric("DeploymentsFailed", "Count", result.failed.length);
    return result;
  },
});
