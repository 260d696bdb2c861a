// The least-privilege rules themselves: what they accept, and that each bad grant is caught.
import { describe, expect, it } from "@jest/globals";
import {
  type AwsScope,
  allow,
  allowWithoutResourceType,
  executionsOf,
  type PermissionContext,
  type PolicyStatement,
  policyDocument,
} from "../../src/policies/document";
import { JOBS_TARGETING_PERMISSIONS } from "../../src/policies/jobs-targeting";
import { lambdaPlatformStatements, stateMachineStatements } from "../../src/policies/platform";
import { policyProblems, trustProblems } from "../support/policy-checks";

const scope: AwsScope = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };
const stateMachineArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:targeted-job-1";
const listsBucketArn = "arn:aws:s3:::lists-bucket-1";
/** What a handler's statements get: the ARNs of what it uses; here every jobs-targeting resource. */
const contextOf = (handler: string): PermissionContext => ({
  scope,
  handler,
  arns: { "targeted-job": stateMachineArn, lists: listsBucketArn },
  iot: { thingNamePrefix: "fleet-test-dev-", groupNamePrefix: "fleet-dev-" },
  testFleetTools: true,
});
const builder = (handler: string) => {
  const statementsOf = JOBS_TARGETING_PERMISSIONS[handler];
  if (!statementsOf) throw new Error(`no statements for ${handler}`);
  return statementsOf;
};
const statementsOf = (handler: string) => builder(handler)(contextOf(handler));
const problemsOf = (...statements: PolicyStatement[]) => policyProblems(policyDocument(statements), scope);

describe("policyProblems accepts what the builders produce", () => {
  it.each(Object.keys(JOBS_TARGETING_PERMISSIONS))("%s", (handler) => {
    expect(problemsOf(...statementsOf(handler))).toEqual([]);
  });

  it("function and state machine platform statements", () => {
    const logGroup = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/demo-1";
    expect(problemsOf(...lambdaPlatformStatements(logGroup, true, scope))).toEqual([]);
    const functionArn = "arn:aws:lambda:eu-west-1:123456789012:function:demo-1";
    expect(problemsOf(...stateMachineStatements([functionArn], true, scope))).toEqual([]);
  });

  it("a TLS-only Deny on s3:* grants nothing, so it is not flagged", () => {
    const deny: PolicyStatement = { Effect: "Deny", Action: ["s3:*"], Resource: ["*"] };
    expect(problemsOf(deny)).toEqual([]);
  });
});

describe("jobs-targeting statements on the state machine", () => {
  const executions = "arn:aws:states:eu-west-1:123456789012:execution:targeted-job-1:*";
  const grants = (handler: string) =>
    Object.fromEntries(
      statementsOf(handler)
        .filter((s) => s.Action.some((a) => a.startsWith("states:")))
        .flatMap((s) => s.Action.map((action) => [action, s.Resource])),
    );

  it("start-targeted-job lists and starts executions of its state machine and reads their input", () => {
    expect(grants("start-targeted-job")).toEqual({
      "states:ListExecutions": [stateMachineArn],
      "states:StartExecution": [stateMachineArn],
      "states:DescribeExecution": [executions],
    });
  });

  it("teardown lists the executions of its state machine and stops them", () => {
    expect(grants("teardown")).toEqual({
      "states:ListExecutions": [stateMachineArn],
      "states:StopExecution": [executions],
    });
  });

  it("refer to nothing a handler's manifest entry does not use", () => {
    for (const handler of ["start-targeted-job", "teardown"]) {
      expect(() => builder(handler)({ ...contextOf(handler), arns: {} })).toThrow(
        `${handler}'s statements refer to targeted-job, which its manifest entry does not use`,
      );
    }
    expect(executionsOf(stateMachineArn)).toBe(executions);
    expect(() => executionsOf(listsBucketArn)).toThrow(`${listsBucketArn} is not a state machine ARN`);
  });

  it("handlers that look up objects in the lists bucket may list it (a missing key is then a 404)", () => {
    const listers = Object.keys(JOBS_TARGETING_PERMISSIONS).filter((handler) =>
      statementsOf(handler).some((s) => s.Action.includes("s3:ListBucket")),
    );
    expect(listers.sort()).toEqual(["fast-track", "fill-exclude-group", "preview", "start-targeted-job"]);
    for (const handler of listers) {
      const statement = statementsOf(handler).find((s) => s.Action.includes("s3:ListBucket"));
      expect(statement?.Resource).toEqual([listsBucketArn]);
    }
  });

  it("fast-track writes shadows of things only, and only it does", () => {
    const writers = Object.keys(JOBS_TARGETING_PERMISSIONS).filter((handler) =>
      statementsOf(handler).some((s) => s.Action.includes("iot:UpdateThingShadow")),
    );
    expect(writers).toEqual(["fast-track"]);
    expect(
      statementsOf("fast-track").find((s) => s.Action.includes("iot:UpdateThingShadow"))?.Resource,
    ).toEqual(["arn:aws:iot:eu-west-1:123456789012:thing/*"]);
  });
});

describe("jobs-targeting IoT grants", () => {
  const iotArn = (resource: string) => `arn:aws:iot:eu-west-1:123456789012:${resource}`;
  const actionsOf = (statements: PolicyStatement[]) => statements.flatMap((s) => s.Action);

  it("teardown deletes things, and only test things, only where the stack has test-fleet tools", () => {
    const withTools = statementsOf("teardown");
    expect(withTools.find((s) => s.Action.includes("iot:DeleteThing"))?.Resource).toEqual([
      iotArn("thing/fleet-test-dev-*"),
    ]);
    const withoutTools = builder("teardown")({ ...contextOf("teardown"), testFleetTools: false });
    expect(actionsOf(withoutTools)).not.toContain("iot:DeleteThing");
    expect(actionsOf(withoutTools)).not.toContain("iot:ListThings");
    // The job and its groups are still torn down.
    expect(actionsOf(withoutTools)).toEqual(
      expect.arrayContaining(["iot:DeleteJob", "iot:DeleteThingGroup", "iot:DeleteDynamicThingGroup"]),
    );
  });

  it("create-job creates jobs on the job's group only: no grant on every thing", () => {
    expect(statementsOf("create-job").find((s) => s.Action.includes("iot:CreateJob"))?.Resource).toEqual([
      iotArn("job/fleet-dev-*"),
      iotArn("thinggroup/fleet-dev-*"),
    ]);
  });
});

describe("policyProblems flags", () => {
  it("the * action and service-wide or partial action wildcards", () => {
    const arn = "arn:aws:iot:eu-west-1:123456789012:thing/*";
    expect(problemsOf(allow(["*"], [arn]))).toEqual(["statement 0: grants the wildcard action *"]);
    expect(problemsOf(allow(["iot:*"], [arn]))).toEqual(["statement 0: grants the wildcard action iot:*"]);
    expect(problemsOf(allow(["iot:Describe*"], [arn]))).toEqual([
      "statement 0: grants the wildcard action iot:Describe*",
    ]);
  });

  it("a * resource for an action that supports narrower resources", () => {
    expect(problemsOf(allowWithoutResourceType(["iot:UpdateThingShadow"], scope))).toEqual([
      "statement 0: grants iot:UpdateThingShadow on * although it supports narrower resources",
    ]);
  });

  it("a * resource without the region condition: removing the scoping condition fails the check", () => {
    const [statement, ...others] = statementsOf("ensure-indexing");
    if (!statement || others.length > 0) throw new Error("ensure-indexing has one statement");
    expect(problemsOf(statement)).toEqual([]);
    const { Condition: _removed, ...unscoped } = statement;
    expect(problemsOf(unscoped)).toEqual([
      "statement 0: grants * without the condition aws:RequestedRegion = eu-west-1",
    ]);
    const otherRegion = {
      ...statement,
      Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
    };
    expect(problemsOf(otherRegion)).toHaveLength(1);
  });

  it("ARNs of another region or account, or naming no resource type", () => {
    expect(problemsOf(allow(["iot:DeleteThing"], ["arn:aws:iot:us-east-1:123456789012:thing/*"]))).toEqual([
      "statement 0: arn:aws:iot:us-east-1:123456789012:thing/*: is not in region eu-west-1",
    ]);
    expect(problemsOf(allow(["iot:DeleteThing"], ["arn:aws:iot:eu-west-1:*:thing/*"]))).toEqual([
      "statement 0: arn:aws:iot:eu-west-1:*:thing/*: is not in this account",
    ]);
    expect(problemsOf(allow(["iot:DeleteThing"], ["arn:aws:iot:eu-west-1:123456789012:*"]))).toEqual([
      "statement 0: arn:aws:iot:eu-west-1:123456789012:*: names no resource type",
    ]);
    expect(problemsOf(allow(["s3:GetObject"], ["arn:aws:s3:::*"]))).toEqual([
      "statement 0: arn:aws:s3:::*: names no resource type",
    ]);
  });

  it("NotAction, NotResource and statements without a resource", () => {
    const notAction = {
      Effect: "Allow",
      NotAction: ["iam:*"],
      Action: ["iot:DescribeThing"],
      Resource: ["arn:aws:iot:eu-west-1:123456789012:thing/*"],
    };
    expect(problemsOf(notAction as PolicyStatement)).toEqual(["statement 0: uses NotAction"]);
    expect(problemsOf({ Effect: "Allow", Action: ["iot:DescribeThing"] })).toEqual([
      "statement 0: names no resource",
    ]);
  });
});

describe("trustProblems", () => {
  const trust = (principal: Record<string, string>, action = "sts:AssumeRole") =>
    policyDocument([{ Effect: "Allow", Principal: principal, Action: [action] }]);

  it("accepts exactly the expected service", () => {
    expect(trustProblems(trust({ Service: "lambda.amazonaws.com" }), "lambda.amazonaws.com")).toEqual([]);
  });

  it("flags another principal or another action", () => {
    expect(trustProblems(trust({ AWS: "*" }), "lambda.amazonaws.com")).toHaveLength(1);
    expect(
      trustProblems(trust({ Service: "lambda.amazonaws.com" }, "sts:*"), "lambda.amazonaws.com"),
    ).toEqual(["statement 0: allows sts:*"]);
  });
});
