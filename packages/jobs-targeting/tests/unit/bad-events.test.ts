// Every handler refuses a bad event with a message naming each bad field, before any AWS call.
import { IoTClient } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { ValidationError } from "@fleet/shared-aws";
import { localContext } from "@fleet/shared-aws/testing";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { HANDLER_VARS, type HandlerName } from "../../src/config";

Object.assign(process.env, {
  LISTS_BUCKET: "lists-bucket",
  STATE_MACHINE_ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:targeted-job",
  IOT_DATA_ENDPOINT: "https://data.iot.example",
});

const mocks = [
  mockClient(IoTClient),
  mockClient(IoTDataPlaneClient),
  mockClient(S3Client),
  mockClient(SFNClient),
];
afterEach(() => {
  for (const mock of mocks) mock.reset();
});

type Handler = (event: unknown, context: ReturnType<typeof localContext>) => Promise<unknown>;
const load = async (name: HandlerName): Promise<Handler> =>
  ((await import(`../../src/handlers/${name}.ts`)) as { handler: Handler }).handler;

const thirteenTerms = Array.from({ length: 13 }, (_, i) => `thingName:d${i}`).join(" OR ");

const cases: Record<HandlerName, { event: unknown; fields: string[] }> = {
  "seed-things": {
    event: { mode: "seed", demoThingPrefix: "bad name", seedConfigNumber: 0 },
    fields: ["demoThingPrefix", "seedConfigNumber"],
  },
  "start-targeted-job": {
    event: { jobName: "bad job!", fleetIndexQuery: "thingName:a@b", rollout: { maximumPerMinute: 5000 } },
    fields: ["jobName", "fleetIndexQuery", "rollout.maximumPerMinute"],
  },
  "fill-exclude-group": {
    event: { staticGroupName: "no spaces allowed" },
    fields: ["excludeListFileName", "staticGroupName"],
  },
  teardown: { event: { jobName: "-leading-dash", thingPrefix: "" }, fields: ["jobName", "thingPrefix"] },
  preview: {
    event: { fleetIndexQuery: "(thingName:a", sampleSize: 1000 },
    fields: ["fleetIndexQuery", "sampleSize"],
  },
  "ensure-indexing": { event: {}, fields: ["fleetIndexQuery"] },
  "index-status": { event: { indexName: "AWS_Things" }, fields: ["(root)"] },
  "confirm-exclusions": {
    event: {
      groupName: "",
      cursor: { phase: "elsewhere", nextToken: null, members: 0, indexed: 0, sketch: "" },
    },
    fields: ["groupName", "cursor.phase"],
  },
  "create-target-group": { event: { groupName: "g", queryString: thirteenTerms }, fields: ["queryString"] },
  "create-job": {
    event: {
      jobName: "job",
      targetGroupArn: "arn:aws:iot:us-east-1:000000000000:thing/x",
      job: { rollout: { maximumPerMinute: 10 } },
    },
    fields: ["targetGroupArn", "job.document"],
  },
  "fast-track": {
    event: { queryString: "*", updateKey: "bad key", updateValue: -1 },
    fields: ["updateKey", "updateValue"],
  },
};

describe("a bad event is refused with every bad field named, and no AWS call", () => {
  it("covers every handler of the package", () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(HANDLER_VARS).sort());
  });

  for (const [name, { event, fields }] of Object.entries(cases) as [
    HandlerName,
    (typeof cases)[HandlerName],
  ][]) {
    it(name, async () => {
      const handler = await load(name);
      const error = await handler(event, localContext({ functionName: name })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      const named = (error as ValidationError).issues.map((issue) => issue.split(":")[0]);
      expect([...new Set(named)].sort()).toEqual([...fields].sort());
      for (const mock of mocks) expect(mock.calls()).toHaveLength(0);
    });
  }

  it("start-targeted-job: a query that fits alone but not inside the job's target query is refused before any call", async () => {
    const handler = await load("start-targeted-job");
    const event = {
      jobName: "j".repeat(40),
      fleetIndexQuery: "thingName:*suffix",
      excludeListFileName: "list.csv",
    };
    const error = (await handler(event, localContext({ functionName: "start" })).catch(
      (e: unknown) => e,
    )) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/fleetIndexQuery: the job's target query .* may have at most 100/);
    for (const mock of mocks) expect(mock.calls()).toHaveLength(0);
  });
});
