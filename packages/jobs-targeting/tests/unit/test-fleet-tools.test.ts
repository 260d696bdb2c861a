// A stack without the test-fleet tools (prod: TEST_FLEET_TOOLS=false, set by infra) grants teardown no thing
// deletion: a thingPrefix is refused before any AWS call, and a teardown of the job alone goes ahead.
import { IoTClient } from "@aws-sdk/client-iot";
import { SFNClient } from "@aws-sdk/client-sfn";
import { ValidationError } from "@fleet/shared-aws";
import { localContext } from "@fleet/shared-aws/testing";
import { afterEach, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import type { HandlerName } from "../../src/config";

Object.assign(process.env, {
  STATE_MACHINE_ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:targeted-job",
  TEST_FLEET_TOOLS: "false",
});

const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
afterEach(() => {
  iot.reset();
  sfn.reset();
});

type Handler = (event: unknown, context: ReturnType<typeof localContext>) => Promise<unknown>;
const teardown = async (event: unknown) => {
  // Imported once the variables above are set: the handler reads its config when its module loads.
  const name: HandlerName = "teardown";
  const { handler } = (await import(`../../src/handlers/${name}.ts`)) as { handler: Handler };
  return handler(event, localContext({ functionName: "teardown" })).catch((e: unknown) => e);
};

it("refuses thingPrefix, naming the field and why, before any call", async () => {
  const error = await teardown({ jobName: "demoJob", thingPrefix: "demoThings" });
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).issues).toEqual([
    "thingPrefix: this stack has no test-fleet tools (TEST_FLEET_TOOLS is false), so teardown may delete no thing here; leave thingPrefix out",
  ]);
  expect([...iot.calls(), ...sfn.calls()]).toHaveLength(0);
});

it("tears a job down without thingPrefix, deleting no thing", async () => {
  sfn.onAnyCommand().resolves({ executions: [] });
  iot.onAnyCommand().rejects(Object.assign(new Error("absent"), { name: "ResourceNotFoundException" }));
  const result = await teardown({ jobName: "demoJob" });
  expect(result).toEqual(expect.objectContaining({ done: true, things: null }));
  expect(iot.calls().map((call) => call.args[0].constructor.name)).not.toContain("DeleteThingCommand");
});
