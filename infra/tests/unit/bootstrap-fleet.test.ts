// The bootstrap stacks fit the fleet stacks: every fleet stack has its roles in exactly one account, the accounts
// agree on where the state is, and a deploy role may manage every resource type the fleet program creates.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { deployRoleStatements } from "../../bootstrap/src/policies/ci-roles";
import type { PolicyStatement } from "../../src/policies/document";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { BOOTSTRAP_PROGRAM, FLEET_PROGRAM, INFRA_DIR } from "../../tools/program-bundle";
import { readStackSettings, stackNames } from "../../tools/stack-config";
import { type Synthesis, synthesize } from "../../tools/synthesize";
import { bootstrapConfigOf } from "../support/bootstrap-checks";

const accounts = stackNames(BOOTSTRAP_PROGRAM.dir).map((stack) => ({
  stack,
  ...bootstrapConfigOf(readStackSettings(BOOTSTRAP_PROGRAM.dir, stack).config),
}));
const fleetStacks = stackNames(FLEET_PROGRAM.dir);

/**
 * What `pulumi up` must be allowed to do for each resource type the fleet program creates: creating, reading,
 * updating, tagging and deleting it. A new resource type fails here until it is listed, and the deploy role
 * (bootstrap/src/policies/ci-roles.ts) grants its actions.
 */
const MANAGED_WITH: Record<string, string[]> = {
  "pulumi:providers:aws": [],
  "aws:iam/role:Role": ["iam:CreateRole", "iam:GetRole", "iam:TagRole", "iam:DeleteRole", "iam:PassRole"],
  "aws:iam/rolePolicy:RolePolicy": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
  "aws:lambda/function:Function": [
    "lambda:CreateFunction",
    "lambda:GetFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:TagResource",
    "lambda:DeleteFunction",
  ],
  "aws:cloudwatch/logGroup:LogGroup": [
    "logs:CreateLogGroup",
    "logs:DescribeLogGroups",
    "logs:PutRetentionPolicy",
    "logs:TagResource",
    "logs:DeleteLogGroup",
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": [
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:TagResource",
    "cloudwatch:DeleteAlarms",
  ],
  "aws:sfn/stateMachine:StateMachine": [
    "states:CreateStateMachine",
    "states:DescribeStateMachine",
    "states:UpdateStateMachine",
    "states:TagResource",
    "states:DeleteStateMachine",
    "logs:CreateLogDelivery",
  ],
  "aws:sns/topic:Topic": ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:TagResource", "sns:DeleteTopic"],
  "aws:sns/topicSubscription:TopicSubscription": [
    "sns:Subscribe",
    "sns:GetSubscriptionAttributes",
    "sns:Unsubscribe",
  ],
  "aws:s3/bucket:Bucket": ["s3:CreateBucket", "s3:ListBucket", "s3:PutBucketTagging", "s3:DeleteBucket"],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [
    "s3:PutBucketOwnershipControls",
    "s3:GetBucketOwnershipControls",
  ],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [
    "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketPublicAccessBlock",
  ],
  "aws:s3/bucketVersioning:BucketVersioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
    "s3:PutEncryptionConfiguration",
    "s3:GetEncryptionConfiguration",
  ],
  "aws:s3/bucketPolicy:BucketPolicy": ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": [
    "s3:PutLifecycleConfiguration",
    "s3:GetLifecycleConfiguration",
  ],
};

describe("bootstrap accounts and fleet stacks", () => {
  it("every fleet stack has its roles in exactly one account", () => {
    const environments = accounts.flatMap((account) => account.environments).sort();
    expect(environments).toEqual([...fleetStacks].sort());
  });

  it("exactly one account holds the state; it shares it with every environment of the others, by their account", () => {
    const [host, ...more] = accounts.filter((account) => account.hostState);
    expect(more).toEqual([]);
    const others = accounts.filter((account) => account !== host);
    expect(host?.hostState?.sharedWith).toEqual(
      Object.fromEntries(
        others.flatMap((account) =>
          account.environments.map((environment) => [environment, account.accountId]),
        ),
      ),
    );
    for (const account of others) expect(account.remoteState?.bucket).toBe(host?.hostState?.bucket);
  });

  it("the other accounts name the key the holding account's stack creates", async () => {
    const host = accounts.find((account) => account.hostState);
    if (!host) throw new Error("no bootstrap stack holds the state");
    const { stdout } = await promisify(execFile)(
      path.join(INFRA_DIR, "node_modules/.bin/tsx"),
      ["scripts/synth.ts", "bootstrap", host.stack],
      { cwd: INFRA_DIR, maxBuffer: 64 << 20 },
    );
    const keyArn = JSON.parse(stdout).outputs.stateBackend.keyArn;
    expect(keyArn).toMatch(new RegExp(`^arn:aws:kms:${host.region}:${host.accountId}:key/`));
    for (const account of accounts.filter((a) => a.remoteState))
      expect(account.remoteState?.keyArn).toBe(keyArn);
  }, 60_000);
});

describe("a deploy role may manage what the fleet program creates", () => {
  const [stack = "dev"] = fleetStacks;
  let synthesis: Synthesis;
  beforeAll(async () => {
    synthesis = await synthesize(stack);
  }, 120_000);

  const allowed = (statements: PolicyStatement[], action: string) =>
    statements.some((s) => s.Effect === "Allow" && s.Action.includes(action));

  it(`every resource type of stack ${stack} is covered`, () => {
    const types = [...new Set(synthesis.resources.filter((r) => r.custom).map((r) => r.type))].sort();
    expect(types.filter((type) => !(type in MANAGED_WITH))).toEqual([]);
    const statements = deployRoleStatements({
      scope: {
        partition: "aws",
        region: synthesis.config["aws:region"] as string,
        accountId: MOCK_ACCOUNT_ID,
      },
      environment: stack,
      state: { partition: "aws", bucket: "state", keyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" },
      secretsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/s",
    });
    const missing = types.flatMap((type) =>
      (MANAGED_WITH[type] ?? [])
        .filter((action) => !allowed(statements, action))
        .map((action) => `${type}: ${action}`),
    );
    expect(missing).toEqual([]);
    // The program looks up the IoT data endpoint.
    expect(allowed(statements, "iot:DescribeEndpoint")).toBe(true);
  });
});
