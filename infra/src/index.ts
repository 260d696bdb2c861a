// The Pulumi program: reads the stack's config, composes one component per domain, exports what an operator
// needs. The only module with side effects; a new domain adds its component and its export here.
import { manifest as jobsTargetingManifest } from "@fleet/jobs-targeting";
import * as aws from "@pulumi/aws";
import { Alerts } from "./components/alerts";
import { JobsTargeting } from "./components/jobs-targeting";
import type { NodeLambda } from "./components/node-lambda";
import { readStackConfig } from "./config";
import { readDeploymentConfig, registerDeploymentTransforms } from "./deployment";
import { findRepoRoot } from "./repo-root";

const config = readStackConfig();
const deployment = readDeploymentConfig();
registerDeploymentTransforms(deployment);
const repoRoot = findRepoRoot(import.meta.dirname);

const provider = new aws.Provider("aws", { region: config.region, defaultTags: { tags: config.tags } });
const opts = { providers: [provider] };

const alerts = new Alerts("alerts", { email: config.alertEmail }, opts);

const targeting = new JobsTargeting(
  "jobs-targeting",
  {
    manifest: jobsTargetingManifest,
    repoRoot,
    logRetentionDays: config.logRetentionDays,
    alarmTopicArn: alerts.topicArn,
    iot: deployment.iot,
    testFleetTools: deployment.testFleetTools,
    ...config.jobsTargeting,
  },
  opts,
);

const functionOutputs = (functions: Record<string, NodeLambda>) =>
  Object.fromEntries(
    Object.entries(functions).map(([handler, fn]) => [handler, { name: fn.functionName, arn: fn.arn }]),
  );

export const alertTopicArn = alerts.topicArn;
export const jobsTargeting = {
  listsBucket: targeting.bucketName,
  stateMachineArn: targeting.stateMachineArn,
  functions: functionOutputs(targeting.functions),
};
