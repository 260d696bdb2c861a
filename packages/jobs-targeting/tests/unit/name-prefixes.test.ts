// A deployed stack's IAM grants cover only names under its prefixes (THING_NAME_PREFIX, GROUP_NAME_PREFIX, set by
// infra): every handler that names a thing, group or job refuses a name outside them before any AWS call.
import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { ValidationError } from "@fleet/shared-aws";
import { localContext } from "@fleet/shared-aws/testing";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import type { HandlerName } from "../../src/config";

Object.assign(process.env, {
  LISTS_BUCKET: "lists-bucket",
  STATE_MACHINE_ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:targeted-job",
  THING_NAME_PREFIX: "fleet-test-",
  GROUP_NAME_PREFIX: "fleet-",
});

const iot = mockClient(IoTClient);
const mocks = [iot, mockClient(S3Client), mockClient(SFNClient)];
afterEach(() => {
  for (const mock of mocks) mock.reset();
});

type Handler = (event: unknown, context: ReturnType<typeof localContext>) => Promise<unknown>;
const invoke = async (name: HandlerName, event: unknown) => {
  const { handler } = (await import(`../../src/handlers/${name}.ts`)) as { handler: Handler };
  return handler(event, localContext({ functionName: name })).catch((e: unknown) => e);
};
const groupArn = "arn:aws:iot:us-east-1:000000000000:thinggroup/otaDemoJob";

const outside: [HandlerName, unknown, string[]][] = [
  ["seed-things", { mode: "seed", demoThingPrefix: "delete123Me", seedConfigNumber: 1 }, ["demoThingPrefix"]],
  ["seed-things", { mode: "delete" }, ["demoThingPrefix"]],
  ["start-targeted-job", { jobName: "otaDemoJob" }, ["jobName"]],
  [
    "fill-exclude-group",
    { excludeListFileName: "l.csv", staticGroupName: "otaDemoJob-exclude" },
    ["staticGroupName"],
  ],
  ["teardown", { jobName: "otaDemoJob", thingPrefix: "myDemoThings" }, ["jobName", "thingPrefix"]],
  ["create-target-group", { groupName: "otaDemoJob", queryString: "*" }, ["groupName"]],
  [
    "create-job",
    { jobName: "otaDemoJob", targetGroupArn: groupArn, job: { document: { command: "x" } } },
    ["jobName"],
  ],
];

describe("names outside the stack's prefixes are refused before any AWS call", () => {
  for (const [name, event, fields] of outside) {
    it(`${name} ${JSON.stringify(event)}`, async () => {
      const error = await invoke(name, event);
      expect(error).toBeInstanceOf(ValidationError);
      const issues = (error as ValidationError).issues;
      expect(issues.map((issue) => issue.split(":")[0]).sort()).toEqual([...fields].sort());
      expect(issues.join("\n")).toMatch(/must start with "fleet-(test-)?" \((THING|GROUP)_NAME_PREFIX/);
      for (const mock of mocks) expect(mock.calls()).toHaveLength(0);
    });
  }

  it("a name under the prefix goes ahead (seed-things calls the registry)", async () => {
    iot.onAnyCommand().resolves({});
    const result = await invoke("seed-things", {
      mode: "seed",
      demoThingPrefix: "fleet-test-demo",
      seedConfigNumber: 1,
    });
    expect(result).not.toBeInstanceOf(Error);
    expect(iot.calls().length).toBeGreaterThan(0);
  });
});
