// RetryWorkflow in prod: its tables protected by Pulumi and by DynamoDB's own deletion protection, its topic and
// queues protected, its rules and mapping deployed as in dev. This run also turns the job-execution source on
// (with a job id prefix), as a stack's settings would: that rule stamps its source and selects the stack's jobs.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { FLEET_PROGRAM } from "../../tools/program-bundle";
import { readStackSettings } from "../../tools/stack-config";
import { type Synthesis, synthesize } from "../../tools/synthesize";

let synthesis: Synthesis;
const mine = (type: string) =>
  synthesis.resources.filter((r) => r.type === type && r.name.startsWith("fleet-prod-retry-workflow-"));

beforeAll(async () => {
  const block = JSON.parse(
    readStackSettings(FLEET_PROGRAM.dir, "prod").config["fleet:retryWorkflow"] as string,
  );
  block.settings = { ...block.settings, FAILURE_SOURCES: "device-data,job-executions", JOB_ID_PREFIX: "fw-" };
  synthesis = await synthesize("prod", undefined, { "fleet:retryWorkflow": JSON.stringify(block) });
}, 120_000);

describe("RetryWorkflow in the prod stack", () => {
  it("protects both tables, in Pulumi and with DynamoDB's deletion protection, encrypted and restorable", () => {
    const tables = mine("aws:dynamodb/table:Table");
    expect(tables.map((t) => t.name).sort()).toEqual([
      "fleet-prod-retry-workflow-backups",
      "fleet-prod-retry-workflow-retries",
    ]);
    for (const table of tables) {
      expect(table.options).toEqual({ protect: true, retainOnDelete: true });
      expect(table.inputs).toMatchObject({
        billingMode: "PAY_PER_REQUEST",
        deletionProtectionEnabled: true,
        serverSideEncryption: { enabled: true },
        pointInTimeRecovery: { enabled: true },
      });
    }
  });

  it("protects the topic and keeps both queues, and deploys a rule per failure source", () => {
    for (const topic of mine("aws:sns/topic:Topic")) expect(topic.options.protect).toBe(true);
    for (const queue of mine("aws:sqs/queue:Queue"))
      expect(queue.options).toEqual({ protect: true, retainOnDelete: true });
    const rules = mine("aws:iot/topicRule:TopicRule");
    expect(rules.map((r) => r.inputs.sql).sort()).toEqual([
      "SELECT *, 'job-executions' AS ruleSource FROM '$aws/events/jobExecution/+/+' WHERE (status = 'FAILED' OR status = 'TIMED_OUT' OR status = 'REJECTED' OR status = 'SUCCEEDED') AND startswith(jobId, 'fw-')",
      "SELECT _id_, timestamp, status, model, FW, 'device-data' AS ruleSource FROM 'iot/device/data' WHERE status = 'failed' OR status = 'succeeded'",
    ]);
    expect(mine("aws:lambda/eventSourceMapping:EventSourceMapping")).toHaveLength(1);
  });
});
