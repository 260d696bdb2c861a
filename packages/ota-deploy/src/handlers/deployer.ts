import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { CLAIM_LEASE_MS, runDeployer } from "../core/deployer";
import { rolloutsInProgress } from "../core/rollouts";
import { DEPLOYER_METRICS } from "../metric-names";
import { deployerEvent } from "../schemas";

const config = handlerConfig("deployer");
const db = awsClient(DynamoDBClient);
const sfn = awsClient(SFNClient);

export const handler = defineHandler({
  name: DEPLOYER_METRICS.service,
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
      historyDays: config.SCHEDULE_HISTORY_DAYS,
    });
    // An operator watches failures: each one logged with its reason and counted (an alarm watches the count), as
    // are starts, retries and queue items that are not entries (logged with their key).
    for (const deployment of result.deployed) logger.info("deployment started", { ...deployment });
    for (const deployment of result.retrying) logger.warn("deployment start will be retried", deployment);
    for (const deployment of result.failed) logger.error("deployment failed", deployment);
    for (const item of result.malformed) logger.error("queue item skipped: not a queue entry", { ...item });
    metrics.addMetric(DEPLOYER_METRICS.started, "Count", result.deployed.length);
    metrics.addMetric(DEPLOYER_METRICS.retried, "Count", result.retrying.length);
    metrics.addMetric(DEPLOYER_METRICS.failed, "Count", result.failed.length);
    metrics.addMetric(DEPLOYER_METRICS.malformed, "Count", result.malformed.length);
    const running = await rolloutsInProgress(sfn, config.DEPLOY_STATE_MACHINE_ARN);
    metrics.addMetric(DEPLOYER_METRICS.rolloutsInProgress, "Count", running);
    return { ...result, rolloutsInProgress: running };
  },
});
