// Watching rollouts on AWS (dev): the job-execution and job event rules sending to the job-events queue (their
// errors to its dead-letter queue), a role only they may assume, the batches feeding job-metrics, no invoke
// permission, failures kept and alarmed; and the stack's one dashboard, with a section from
// every domain whose charts name metrics the code really emits (namespace, service dimension, metric name).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { RecordedResource } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";

let synthesis: Synthesis;
beforeAll(async () => {
  synthesis = await synthesize("dev");
});
const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type);
const named = (type: string, name: string) =>
  synthesis.resources.find((r) => r.type === type && r.name === name) as RecordedResource;
const metricsFunction = () => named("aws:lambda/function:Function", "fleet-dev-ota-deploy-job-metrics");

const queueUrl = (logical: string) =>
  named("aws:sqs/queue:Queue", `fleet-dev-ota-deploy-${logical}`).computed.url ??
  expect.stringMatching(new RegExp(`fleet-dev-ota-deploy-${logical}`));

describe("job events → job-events queue → job-metrics", () => {
  const role = () => named("aws:iam/role:Role", "fleet-dev-ota-deploy-rules-role");

  it.each([
    ["job-executions", "$aws/events/jobExecution/#"],
    ["job-events", "$aws/events/job/#"],
  ])(
    "the %s rule selects the stack's jobs on %s and sends them to the queue, its errors to the DLQ",
    (part, topic) => {
      const rule = named("aws:iot/topicRule:TopicRule", `fleet-dev-ota-deploy-${part}-rule`);
      expect(rule.inputs).toMatchObject({
        name: `fleet_dev_ota_deploy_${part.replace("-", "_")}`,
        enabled: true,
        sqlVersion: "2016-03-23",
        sql: `SELECT * FROM '${topic}' WHERE startswith(jobId, 'fleet-dev-')`,
        sqs: [{ queueUrl: queueUrl("job-events"), roleArn: role().computed.arn, useBase64: false }],
        errorAction: {
          sqs: {
            queueUrl: queueUrl("job-events-dead-letters"),
            roleArn: role().computed.arn,
            useBase64: false,
          },
        },
      });
      expect(rule.inputs.lambdas).toBeUndefined();
    },
  );

  it("trusts only this account's rules of the component, which may only send to the two queues", () => {
    const trust = JSON.parse(role().inputs.assumeRolePolicy as string);
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "iot.amazonaws.com" },
        Action: ["sts:AssumeRole"],
        Condition: {
          StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\d{12}$/) },
          ArnLike: {
            "aws:SourceArn": expect.stringMatching(
              /^arn:aws:iot:eu-west-1:\d{12}:rule\/fleet_dev_ota_deploy_\*$/,
            ),
          },
        },
      }),
    ]);
    const policy = named("aws:iam/rolePolicy:RolePolicy", "fleet-dev-ota-deploy-rules-policy");
    expect(JSON.parse(policy.inputs.policy as string).Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [
          expect.stringMatching(/^arn:aws:sqs:eu-west-1:\d{12}:fleet-dev-ota-deploy-job-events-[0-9a-f]{7}$/),
          expect.stringMatching(
            /^arn:aws:sqs:eu-west-1:\d{12}:fleet-dev-ota-deploy-job-events-dead-letters-[0-9a-f]{7}$/,
          ),
        ],
      }),
    ]);
  });

  it("feeds job-metrics batches of up to 1000 gathered for 10 s, failures reported per item, concurrency bounded", () => {
    const mapping = named(
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      "fleet-dev-ota-deploy-job-events",
    );
    expect(mapping.inputs).toMatchObject({
      eventSourceArn: expect.stringMatching(/:fleet-dev-ota-deploy-job-events-[0-9a-f]{7}$/),
      functionName: metricsFunction().computed.arn,
      batchSize: 1000,
      maximumBatchingWindowInSeconds: 10,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: 5 },
    });
    // Six times job-metrics' 30 s timeout plus the window; redriven to the DLQ after 5 receives.
    const queue = named("aws:sqs/queue:Queue", "fleet-dev-ota-deploy-job-events");
    expect(queue.inputs).toMatchObject({ visibilityTimeoutSeconds: 190 });
    expect(JSON.parse(queue.inputs.redrivePolicy as string)).toMatchObject({ maxReceiveCount: 5 });
  });

  it("gives IoT no way to invoke job-metrics: the mapping is its only caller", () => {
    const permissions = ofType("aws:lambda/permission:Permission").map((p) => p.inputs);
    expect(permissions.filter((p) => p.principal === "iot.amazonaws.com")).toEqual([]);
  });

  it("alarms on each rule's failures, on dead letters and on malformed events", () => {
    const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((a) => a.inputs)
      .filter(
        (a) =>
          JSON.stringify(a).includes("ota_deploy_job") ||
          JSON.stringify(a).includes("ota-deploy-job-events") ||
          a.metricName === "MalformedEvents",
      );
    const described = alarms.map((a) =>
      `${a.metricName} ${JSON.stringify(a.dimensions)}`.replace(/-[0-9a-f]{7}"/, '"'),
    );
    expect(described.sort()).toEqual([
      'ApproximateNumberOfMessagesVisible {"QueueName":"fleet-dev-ota-deploy-job-events-dead-letters"}',
      'Failure {"RuleName":"fleet_dev_ota_deploy_job_events"}',
      'Failure {"RuleName":"fleet_dev_ota_deploy_job_executions"}',
      'MalformedEvents {"service":"job-metrics"}',
      'ParseError {"RuleName":"fleet_dev_ota_deploy_job_events"}',
      'ParseError {"RuleName":"fleet_dev_ota_deploy_job_executions"}',
      'RuleMessageThrottled {"RuleName":"fleet_dev_ota_deploy_job_events"}',
      'RuleMessageThrottled {"RuleName":"fleet_dev_ota_deploy_job_executions"}',
    ]);
  });

  it("leaves the account's event configuration to the bootstrap: no stack owns it", () => {
    expect(ofType("aws:iot/eventConfigurations:EventConfigurations")).toEqual([]);
  });
});

/** Every `addMetric`-ish name a package's sources spell, and its handlers' names (the `service` dimension). */
function packageSources(dir: string): string {
  const root = path.join(findRepoRoot(import.meta.dirname), "packages", dir, "src");
  const read = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? read(path.join(folder, entry.name))
        : entry.name.endsWith(".ts")
          ? [readFileSync(path.join(folder, entry.name), "utf8")]
          : [],
    );
  return read(root).join("\n");
}

describe("the dashboard", () => {
  type Widget = { type: string; properties: { title?: string; markdown?: string; metrics?: unknown[][] } };
  const body = () => {
    const [dashboard] = ofType("aws:cloudwatch/dashboard:Dashboard");
    return JSON.parse((dashboard as RecordedResource).inputs.dashboardBody as string) as {
      widgets: Widget[];
    };
  };

  it("is one per stack, named under the stack's prefix, with a section from every domain that has landed", () => {
    const dashboards = ofType("aws:cloudwatch/dashboard:Dashboard");
    expect(dashboards.map((d) => d.inputs.dashboardName)).toEqual(["fleet-dev-overview"]);
    expect(
      body()
        .widgets.filter((w) => w.type === "text")
        .map((w) => w.properties.markdown),
    ).toEqual([
      "## Targeted jobs (jobs-targeting)",
      "## Firmware rollouts (ota-deploy)",
      "## Failed-update retries (retry-workflow)",
      "## Telemetry (telemetry-parser)",
    ]);
    expect(synthesis.outputs.dashboardName).toBe("fleet-dev-overview");
  });

  it("charts rollouts in progress, executions per status, downloadTime p50/p99, aborts and force-stops", () => {
    const charts = Object.fromEntries(
      body()
        .widgets.filter((w) => w.type === "metric")
        .map((w) => [w.properties.title, JSON.stringify(w.properties.metrics)]),
    );
    // A gauge the deployer publishes each run: right whatever the dashboard's range, unlike a running sum.
    expect(charts["Rollouts in progress (deploy executions running, counted by each deployer run)"]).toBe(
      '[["Fleet/dev","RolloutsInProgress","service","deployer",{"stat":"Maximum","label":"running"}]]',
    );
    const queue = charts["Schedule queue: deployments started, retried, failed"];
    for (const metric of ["DeploymentsStarted", "DeploymentStartsRetried", "DeploymentsFailed"])
      expect(queue).toContain(`"Fleet/dev","${metric}","service","deployer"`);
    for (const status of ["SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "IN_PROGRESS", "CANCELED"])
      expect(charts["Job executions per status"]).toContain(`"Executions_${status}","service","job-metrics"`);
    expect(charts["downloadTime (seconds) p50 / p99"]).toContain('"stat":"p50"');
    expect(charts["downloadTime (seconds) p50 / p99"]).toContain('"stat":"p99"');
    const stops = charts["Jobs completed, cancelled and force-stopped"];
    expect(stops).toContain('"Fleet/dev","Jobs_canceled","service","job-metrics"');
    expect(stops).toContain('"Fleet/dev","ForceStopped","service","force-stopper"');
    expect(charts.Quarantines).toMatch(
      /"AWS\/Lambda","Invocations","FunctionName","fleet-dev-retry-workflow-quarantine/,
    );
  });

  it("names, in the stack's namespace, only services that are handlers and metrics their code emits", () => {
    const sources: Record<string, string> = {
      "job-metrics": packageSources("ota-deploy"),
      deployer: packageSources("ota-deploy"),
      "record-outcome": packageSources("retry-workflow"),
      "escalation-failed": packageSources("retry-workflow"),
      transform: packageSources("telemetry-parser"),
      // The step counts every resumable handler publishes (shared-aws recordStep).
      "fill-exclude-group": packageSources("shared-aws"),
      "fast-track": packageSources("shared-aws"),
    };
    const lines = body()
      .widgets.flatMap((w) => w.properties.metrics ?? [])
      .filter((line) => line[0] === "Fleet/dev");
    expect(lines.length).toBeGreaterThan(15);
    for (const [, metricName, dimension, service] of lines as string[][]) {
      expect(dimension).toBe("service");
      // The force stopper lands with another part of this issue: its handler and metric are checked there.
      if (service === "force-stopper") continue;
      const source = sources[service as string] as string;
      expect(source).toBeDefined();
      const cut = (metricName as string).indexOf("_");
      const [prefix, suffix] =
        cut < 0
          ? [metricName, undefined]
          : [(metricName as string).slice(0, cut), (metricName as string).slice(cut + 1)];
      // `Messages_${outcome}` / `Executions_${status}`: the prefix is a template, the suffix one of its keys.
      const emitted =
        source.includes(`"${metricName}"`) ||
        (suffix !== undefined &&
          (source.includes(`\`${prefix}_\${`) || source.includes(`"${prefix}_"`)) &&
          new RegExp(`\\b${suffix}\\b`).test(source));
      expect([metricName, emitted]).toEqual([metricName, true]);
    }
  });
});
