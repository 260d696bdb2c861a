// The schedule queue on AWS (dev stack): the table keyed by status and deployment id, on demand; the Scheduler
// schedule running the deployer at the stack's rate as a role that this account's schedule alone may assume and
// that may invoke the deployer only; the deployer reads and writes that table only and starts executions of the
// deploy state machine only; add-schedule reads what plan-deployment reads and only puts queue entries.
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { RecordedResource } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";

let synthesis: Synthesis;
beforeAll(async () => {
  synthesis = await synthesize("dev");
});

const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type);
const json = (value: unknown) => JSON.parse(String(value));
const one = (type: string, prefix: string) => {
  const found = ofType(type).filter((r) => r.name.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0] as RecordedResource;
};
const fn = (handler: string) => one("aws:lambda/function:Function", `fleet-dev-ota-deploy-${handler}`);
const statementsOf = (handler: string) =>
  json(one("aws:iam/rolePolicy:RolePolicy", `fleet-dev-ota-deploy-${handler}-policy`).inputs.policy)
    .Statement as { Action: string[]; Resource: string[] }[];
const variables = (handler: string) =>
  (fn(handler).inputs.environment as { variables: Record<string, string> }).variables;

describe("the schedule queue (dev)", () => {
  it("is an on-demand table keyed by status and deployment id, settled entries expiring by its time-to-live", () => {
    const table = one("aws:dynamodb/table:Table", "fleet-dev-ota-deploy-schedule");
    expect(table.inputs).toMatchObject({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "status",
      rangeKey: "deploymentId",
      attributes: [
        { name: "status", type: "S" },
        { name: "deploymentId", type: "S" },
      ],
      ttl: { attributeName: "expiresAt", enabled: true },
    });
    expect(variables("add-schedule").SCHEDULE_TABLE).toBe(table.computed.name);
    expect(variables("deployer").SCHEDULE_TABLE).toBe(table.computed.name);
    // The stack's retention of the queue's history, which the deployer writes into each settled entry.
    expect(variables("deployer").SCHEDULE_HISTORY_DAYS).toBe("90");
  });

  it("runs the deployer at the stack's rate, with an empty event, at once (no flexible window)", () => {
    const schedule = one("aws:scheduler/schedule:Schedule", "fleet-dev-ota-deploy-schedule");
    expect(schedule.inputs).toMatchObject({
      scheduleExpression: "rate(2 minutes)",
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: { arn: fn("deployer").computed.arn, input: "{}" },
    });
  });

  it("runs it as a role only this account's schedule may assume, which may invoke the deployer only", () => {
    const role = one("aws:iam/role:Role", "fleet-dev-ota-deploy-schedule-role");
    const schedule = one("aws:scheduler/schedule:Schedule", "fleet-dev-ota-deploy-schedule");
    expect((schedule.inputs.target as { roleArn: string }).roleArn).toBe(role.computed.arn);
    const [trust] = json(role.inputs.assumeRolePolicy).Statement;
    expect(trust).toMatchObject({
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: ["sts:AssumeRole"],
      Condition: {
        StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\d{12}$/) },
        ArnLike: { "aws:SourceArn": schedule.computed.arn },
      },
    });
    const policy = one("aws:iam/rolePolicy:RolePolicy", "fleet-dev-ota-deploy-schedule-invoke");
    expect(json(policy.inputs.policy).Statement).toEqual([
      { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn("deployer").computed.arn] },
    ]);
  });

  it("lets the deployer use the queue table only and start executions of the deploy state machine only", () => {
    const table = one("aws:dynamodb/table:Table", "fleet-dev-ota-deploy-schedule").computed.arn;
    const deploy = one("aws:sfn/stateMachine:StateMachine", "fleet-dev-ota-deploy-deploy").computed
      .arn as string;
    expect(variables("deployer").DEPLOY_STATE_MACHINE_ARN).toBe(deploy);
    const statements = statementsOf("deployer");
    const on = (action: string) =>
      statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);
    for (const action of ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"])
      expect(on(action)).toEqual([table]);
    expect(on("states:StartExecution")).toEqual([deploy]);
    expect(on("states:DescribeExecution")).toEqual([
      deploy.replace(":stateMachine:", ":execution:").concat(":*"),
    ]);
    expect(
      statements.flatMap((s) => s.Action).filter((a) => a.startsWith("s3:") || a.startsWith("iot:")),
    ).toEqual([]);
  });

  it("lets add-schedule only put queue entries, besides the reads plan-deployment makes", () => {
    const writes = statementsOf("add-schedule")
      .flatMap((s) => s.Action)
      .filter((a) => /^(dynamodb|s3):(Put|Delete|Update)/.test(a) || a.startsWith("iot:Create"));
    expect(writes).toEqual(["dynamodb:PutItem"]);
  });
});
