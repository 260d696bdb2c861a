// The local stack is derived from a manifest alone: the example package of @fleet/manifest's fixtures (a
// bucket, a table, a state machine) gets each, and each of its variables the value infra would give it.
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeStateMachineCommand, SFNClient } from "@aws-sdk/client-sfn";
import { manifest } from "@fleet/manifest/fixtures/example-domain";
import { awsClient } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import { LOCAL_ACCOUNT, provisionLocalStack } from "../../src/local-stack";

describe("provisionLocalStack", () => {
  it("creates every resource and state machine of the manifest, and gives each variable its value", async () => {
    const env = await provisionLocalStack(manifest);
    const region = process.env.AWS_REGION;
    expect(env).toEqual({
      INBOX_BUCKET: "example-domain-inbox-local",
      LEDGER_TABLE: "example-domain-ledger-local",
      // The emulator's own account, in the ARN it gave the state machine.
      FLOW_ARN: expect.stringMatching(
        /^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:example-domain-flow-local$/,
      ),
    });
    const { Table } = await awsClient(DynamoDBClient).send(
      new DescribeTableCommand({ TableName: env.LEDGER_TABLE }),
    );
    expect(Table?.KeySchema).toEqual([{ AttributeName: "key", KeyType: "HASH" }]);
    const { definition } = await awsClient(SFNClient).send(
      new DescribeStateMachineCommand({ stateMachineArn: env.FLOW_ARN as string }),
    );
    expect(JSON.parse(definition ?? "{}").States.Record.Parameters.FunctionName).toBe(
      `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:example-domain-record-local`,
    );
  });

  it("finds what exists instead of failing or duplicating it", async () => {
    const first = await provisionLocalStack(manifest);
    expect(await provisionLocalStack(manifest)).toEqual(first);
  });

  it("refuses a manifest that contradicts itself before creating anything", async () => {
    const broken = { ...manifest, name: "broken", resources: {} };
    await expect(provisionLocalStack(broken)).rejects.toThrow(
      "broken: record uses inbox, which is no resource or state machine of broken",
    );
  });
});
