// The Pulumi program: reads the stack's config, composes one component per domain, exports what an operator
// needs. The only module with side effects. A domain is one line below: its component, given the platform's
// settings (how the stack is deployed among them) and its block of the stack's config (`fleet:<key>`),
// exported under the same key.
import { findRepoRoot } from "@fleet/manifest/repo-root";
import * as aws from "@pulumi/aws";
import { Alerts } from "./components/alerts";
import { FleetDashboard } from "./components/dashboard";
import type { DomainArgs } from "./components/handler-package";
import { JobsTargeting } from "./components/jobs-targeting";
import { OtaDeploy } from "./components/ota-deploy";
import { RetryWorkflow } from "./components/retry-workflow";
import { TelemetryPipeline } from "./components/telemetry-pipeline";
import { domainSettings, readStackConfig } from "./config";
import { readDeploymentConfig, registerDeploymentTransforms, workloadBoundaryOf } from "./deployment";

const config = readStackConfig();
const deployment = readDeploymentConfig();
const repoRoot = findRepoRoot(import.meta.dirname);

const provider = new aws.Provider("aws", { region: config.region, defaultTags: { tags: config.tags } });
const opts = { providers: [provider] };
// Before every other resource: each goes through them.
registerDeploymentTransforms(deployment, workloadBoundaryOf(provider));

const alerts = new Alerts(`${deployment.namePrefix}alerts`, { email: config.alertEmail }, opts);
const domain = (key: string): DomainArgs => ({
  repoRoot,
  logRetentionDays: config.logRetentionDays,
  alarmTopicArn: alerts.topicArn,
  namePrefix: deployment.namePrefix,
  iot: deployment.iot,
  testFleetTools: deployment.testFleetTools,
  ...domainSettings(config, key),
});

export const alertTopicArn = alerts.topicArn;
const targeting = new JobsTargeting("jobs-targeting", domain("jobsTargeting"), opts);
export const jobsTargeting = targeting.outputs;
const ota = new OtaDeploy("ota-deploy", domain("otaDeploy"), opts);
const telemetry = new TelemetryPipeline("telemetry-parser", domain("telemetryParser"), opts);
const retry = new RetryWorkflow("retry-workflow", domain("retryWorkflow"), opts);
export const otaDeploy = ota.outputs;
export const telemetryParser = telemetry.outputs;
export const retryWorkflow = retry.outputs;
// One dashboard: each domain's section of what an operator watches.
export const dashboardName = new FleetDashboard(
  `${deployment.namePrefix}dashboard`,
  {
    dashboardName: `${deployment.namePrefix}overview`,
    sections: [targeting.widgets, ota.widgets, retry.widgets, telemetry.widgets],
  },
  opts,
).dashboard.dashboardName;
