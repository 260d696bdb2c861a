// RetryWorkflow in prod: its tables protected by Pulumi and by DynamoDB's own deletion protection, its topic and
// queues protected, its rules and mapping deployed as in dev (prod counts both failure sources).
import { beforeAll, describe, expect, it } from "@jest/globals";
import { type Synthesis, synthesize } from "../../tools/synthesize";

let synthesis: Synthesis;
const mine = (type: string) =>
  synthesis.resources.filter((r) => r.type === type && r.name.startsWith("fleet-prod-retry-workflow-"));

beforeAll(async () => {
  synthesis = await synthesize("prod");
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
    expect(mine("aws:iot/topicRule:TopicRule")).toHaveLength(2);
    expect(mine("aws:lambda/eventSourceMapping:EventSourceMapping")).toHaveLength(1);
  });
});
