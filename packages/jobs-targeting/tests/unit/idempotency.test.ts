// Re-runs: what already exists is recognised and carried on with; the same name asked to do something else is
// refused with a message naming the conflict, before anything is created.
import {
  CreateDynamicThingGroupCommand,
  CreateJobCommand,
  CreateThingCommand,
  DescribeJobCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { ConflictError, NotFoundError, parseOrThrow } from "@fleet/shared-aws";
import { resourceNotFoundError } from "@fleet/shared-aws/testing";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { createJob } from "../../src/core/create-job";
import { createTargetGroup } from "../../src/core/create-target-group";
import { excludeGroupDescription } from "../../src/core/exclude-list";
import { buildTargetQuery } from "../../src/core/query";
import { seedThings } from "../../src/core/seed";
import { type PlanDeps, planTargetedJob, startTargetedJob } from "../../src/core/start-targeted-job";
import { jobSettingsSchema, startTargetedJobEvent, targetedJobPlan } from "../../src/schemas";
import { serveObjects, utf8 } from "../support/s3-fake";

const iotMock = mockClient(IoTClient);
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const iot = new IoTClient({ region: "us-east-1" });
const s3 = new S3Client({ region: "us-east-1" });
const silent = { info: () => undefined, warn: () => undefined };

const NOW = 1_700_000_000_000;
const EARLIER = 1_690_000_000_000;
const ARN = "arn:aws:iot:us-east-1:000000000000";
const alreadyExists = () => Object.assign(new Error("exists"), { name: "ResourceAlreadyExistsException" });
/** What DescribeJob shows of a job this tool created with the default settings. */
const JOB_AS_CREATED = {
  description: "Targeted job job1 (jobs-targeting)",
  jobExecutionsRolloutConfig: { maximumPerMinute: 1000 },
  targetSelection: "CONTINUOUS" as const,
};
const deps: PlanDeps = { iot, s3, bucket: "lists", updateKey: "updateKey", now: () => NOW };
const LIST = utf8("dev1\ndev2\n");
let listEtag = "";

const event = (fields: Record<string, unknown> = {}) =>
  parseOrThrow(startTargetedJobEvent, {
    jobName: "job1",
    fleetIndexQuery: "thingName:dev*",
    excludeListFileName: "list.csv",
    ...fields,
  });
const targetQuery = (updateValue: number, withList = true) =>
  buildTargetQuery({
    fleetIndexQuery: "thingName:dev*",
    updateKey: "updateKey",
    updateValue,
    excludeGroupName: withList ? "job1-exclude" : null,
  });

/** An account holding the given groups (by name) and job (by default with the default document). */
function account(
  groups: Record<string, Record<string, unknown>>,
  job?: Record<string, unknown>,
  document = '{"operation":"update","jobName":"job1"}',
) {
  iotMock.on(GetJobDocumentCommand).resolves({ document });
  iotMock.on(DescribeThingGroupCommand).callsFake((input: { thingGroupName: string }) => {
    const group = groups[input.thingGroupName];
    if (!group) throw resourceNotFoundError();
    return {
      thingGroupName: input.thingGroupName,
      thingGroupArn: `${ARN}:thinggroup/${input.thingGroupName}`,
      ...group,
    };
  });
  if (job)
    iotMock
      .on(DescribeJobCommand)
      .resolves({ job: { jobId: "job1", jobArn: `${ARN}:job/job1`, ...JOB_AS_CREATED, ...job } });
  else iotMock.on(DescribeJobCommand).rejects(resourceNotFoundError());
}

beforeEach(async () => {
  serveObjects(s3Mock, { "list.csv": LIST, "doc.json": utf8('{"operation":"fw"}') });
  const { createHash } = await import("node:crypto");
  listEtag = createHash("md5").update(LIST).digest("hex");
});
afterEach(() => {
  iotMock.reset();
  s3Mock.reset();
  sfnMock.reset();
});

describe("planTargetedJob", () => {
  it("plans a fresh job: new update value, the exclusion in the query, the default rollout and document", async () => {
    account({});
    const { plan, existing } = await planTargetedJob(deps, event());
    expect(existing).toEqual({ targetGroup: false, excludeGroup: false, job: false });
    expect(parseOrThrow(targetedJobPlan, plan)).toEqual({
      jobName: "job1",
      fleetIndexQuery: "thingName:dev*",
      excludeListFileName: "list.csv",
      excludeListVersion: { etag: listEtag, versionId: null },
      excludeGroupName: "job1-exclude",
      updateKey: "updateKey",
      updateValue: NOW,
      targetQuery: targetQuery(NOW),
      job: { document: { operation: "update", jobName: "job1" }, rollout: { maximumPerMinute: 1000 } },
    });
  });

  it("carries on a run of the same request, keeping the update value its dynamic group was built with", async () => {
    account(
      {
        job1: { queryString: targetQuery(EARLIER) },
        "job1-exclude": {
          thingGroupProperties: { thingGroupDescription: excludeGroupDescription("list.csv", listEtag) },
        },
      },
      { status: "IN_PROGRESS", targets: [`${ARN}:thinggroup/job1`] },
    );
    const { plan, existing } = await planTargetedJob(deps, event());
    expect(existing).toEqual({ targetGroup: true, excludeGroup: true, job: true });
    expect(plan.updateValue).toBe(EARLIER);
    expect(plan.targetQuery).toBe(targetQuery(EARLIER));
  });

  describe("refuses the same jobName whose job exists with other settings, naming each field that differs", () => {
    // A function: the list's ETag is known only once the list is served (beforeEach).
    const groups = () => ({
      job1: { queryString: targetQuery(EARLIER) },
      "job1-exclude": {
        thingGroupProperties: { thingGroupDescription: excludeGroupDescription("list.csv", listEtag) },
      },
    });
    const running = { status: "IN_PROGRESS", targets: [`${ARN}:thinggroup/job1`] };

    it.each([
      ["rollout", { rollout: { maximumPerMinute: 50 } }, {}, undefined],
      [
        "rollout, abortCriteria, inProgressTimeoutMinutes, retryCriteria",
        {
          rollout: {
            maximumPerMinute: 1000,
            exponentialRate: {
              baseRatePerMinute: 50,
              incrementFactor: 2,
              rateIncreaseCriteria: { numberOfSucceededThings: 100 },
            },
          },
          abortCriteria: [{ failureType: "FAILED", thresholdPercentage: 10, minNumberOfExecutedThings: 100 }],
          inProgressTimeoutMinutes: 60,
          retryCriteria: [{ failureType: "FAILED", numberOfRetries: 3 }],
        },
        {},
        undefined,
      ],
      ["description", { description: "another" }, {}, undefined],
      ["document", { document: { operation: "update", firmware: "2.0" } }, {}, undefined],
      ["documentSource", { documentFileName: "doc.json" }, {}, undefined],
      ["inProgressTimeoutMinutes", {}, { timeoutConfig: { inProgressTimeoutInMinutes: 30 } }, undefined],
      ["document", {}, {}, '{"operation":"rollback"}'],
    ])("%s", async (fields, request, job, document) => {
      account(groups(), { ...running, ...job }, document);
      const plan = planTargetedJob(deps, event(request));
      await expect(plan).rejects.toBeInstanceOf(ConflictError);
      await expect(plan).rejects.toThrow(
        `job job1 already exists with other settings (${fields} differ from this request)`,
      );
    });

    it("and carries on when they are the same, whatever the key order or absent empty settings", async () => {
      account(
        groups(),
        { ...running, abortConfig: { criteriaList: [] }, timeoutConfig: {} },
        '{"jobName":"job1","operation":"update"}',
      );
      await expect(planTargetedJob(deps, event())).resolves.toMatchObject({ existing: { job: true } });
    });
  });

  it("refuses the same jobName with another query, naming both queries", async () => {
    account({ job1: { queryString: targetQuery(EARLIER).replace("thingName:dev*", "thingName:other*") } });
    const plan = planTargetedJob(deps, event());
    await expect(plan).rejects.toBeInstanceOf(ConflictError);
    await expect(plan).rejects.toThrow(
      /thing group job1 already exists with query .*thingName:other\*.*this request's query is .*thingName:dev\*/,
    );
  });

  it("refuses the same jobName with another exclude list, naming the recorded one", async () => {
    account({
      "job1-exclude": {
        thingGroupProperties: { thingGroupDescription: excludeGroupDescription("old.csv", "abc") },
      },
    });
    await expect(planTargetedJob(deps, event())).rejects.toThrow(
      `exclude group job1-exclude was filled from another list (Exclude list old.csv (etag abc)); this request uses Exclude list list.csv (etag ${listEtag})`,
    );
  });

  it("refuses the same jobName without a list when an earlier run had one", async () => {
    account({
      "job1-exclude": { thingGroupProperties: { thingGroupDescription: "Exclude list list.csv (etag x)" } },
    });
    await expect(planTargetedJob(deps, event({ excludeListFileName: undefined }))).rejects.toThrow(
      /exclude group job1-exclude exists .* but this request has no excludeListFileName/,
    );
  });

  it("refuses a jobName taken by a static group, and a finished job of that name", async () => {
    account({ job1: {} });
    await expect(planTargetedJob(deps, event())).rejects.toThrow(
      /thing group job1 already exists with a static group/,
    );
    account(
      { job1: { queryString: targetQuery(EARLIER, false) } },
      { status: "CANCELED", targets: [`${ARN}:thinggroup/job1`] },
    );
    await expect(planTargetedJob(deps, event({ excludeListFileName: undefined }))).rejects.toThrow(
      /job1 already exists with status CANCELED/,
    );
  });

  it("names a missing exclude list or job document before looking at IoT", async () => {
    account({});
    await expect(planTargetedJob(deps, event({ excludeListFileName: "nope.csv" }))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(planTargetedJob(deps, event({ documentFileName: "nope.json" }))).rejects.toThrow(
      "s3://lists/nope.json does not exist",
    );
    expect(iotMock.calls()).toHaveLength(0);
  });

  it("turns a document in the bucket into the S3 URL CreateJob's documentSource takes", async () => {
    account({});
    const { plan } = await planTargetedJob(deps, event({ documentFileName: "doc.json" }));
    expect(plan.job).toEqual({
      documentSource: "https://s3.us-east-1.amazonaws.com/lists/doc.json",
      rollout: { maximumPerMinute: 1000 },
    });
  });

  it("starts the execution with the plan as its input and returns its ARN", async () => {
    account({});
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
    sfnMock
      .on(StartExecutionCommand)
      .resolves({ executionArn: "arn:aws:states:us-east-1:000000000000:execution:sm:job1-1" });
    const sfn = new SFNClient({ region: "us-east-1" });
    const result = await startTargetedJob(
      { ...deps, sfn, stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:sm" },
      event(),
    );
    expect(result.executionArn).toBe("arn:aws:states:us-east-1:000000000000:execution:sm:job1-1");
    expect(result.alreadyRunning).toBe(false);
    const input = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(input?.name).toBe("job1-1");
    expect(JSON.parse(input?.input ?? "")).toEqual(result.plan);
  });
});

describe("startTargetedJob with an execution of the job running", () => {
  const SM = "arn:aws:states:us-east-1:000000000000:stateMachine:sm";
  const sfn = new SFNClient({ region: "us-east-1" });
  const arnOf = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:sm:${name}`;
  /** Running executions by name, each with its input; ListExecutions pages one at a time. */
  function running(executions: Record<string, unknown>) {
    const names = Object.keys(executions);
    names.forEach((name, i) => {
      sfnMock.on(ListExecutionsCommand, { nextToken: i === 0 ? undefined : `t${i}` }).resolves({
        executions: [
          { name, executionArn: arnOf(name), stateMachineArn: SM, status: "RUNNING", startDate: new Date() },
        ],
        nextToken: i + 1 < names.length ? `t${i + 1}` : undefined,
      });
      sfnMock
        .on(DescribeExecutionCommand, { executionArn: arnOf(name) })
        .resolves({ input: JSON.stringify(executions[name]) });
    });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: arnOf("started") });
  }
  const runningPlan = async () => {
    account({});
    // What an earlier start of the same request planned, a little earlier (hence another update value).
    const { plan } = await planTargetedJob({ ...deps, now: () => EARLIER }, event());
    return plan;
  };

  it("returns the running execution of the same request instead of starting a second one", async () => {
    const plan = await runningPlan();
    running({ [`job1-a-${EARLIER}`]: { ...plan, jobName: "job1-a" }, [`job1-${EARLIER}`]: plan });
    const result = await startTargetedJob({ ...deps, sfn, stateMachineArn: SM }, event());
    expect(result).toMatchObject({
      executionArn: arnOf(`job1-${EARLIER}`),
      executionName: `job1-${EARLIER}`,
      alreadyRunning: true,
      plan,
    });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    // Every page of every status was read; job1-a's execution is another job's, not looked into.
    expect(sfnMock.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: SM, maxResults: 1000, nextToken: undefined },
      { stateMachineArn: SM, maxResults: 1000, nextToken: "t1" },
    ]);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });

  it("refuses another request while one is running, naming the execution and what differs", async () => {
    const plan = await runningPlan();
    running({ [`job1-${EARLIER}`]: { ...plan, job: { ...plan.job, rollout: { maximumPerMinute: 10 } } } });
    const start = startTargetedJob({ ...deps, sfn, stateMachineArn: SM }, event());
    await expect(start).rejects.toBeInstanceOf(ConflictError);
    await expect(start).rejects.toThrow(
      `execution ${arnOf(`job1-${EARLIER}`)} of job job1 is running with another request (job.rollout differ)`,
    );
    running({ [`job1-${EARLIER}`]: plan });
    await expect(
      startTargetedJob({ ...deps, sfn, stateMachineArn: SM }, event({ fleetIndexQuery: "thingName:x*" })),
    ).rejects.toThrow(/is running with another request \(fleetIndexQuery differ\)/);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe("createTargetGroup and createJob", () => {
  const job = parseOrThrow(jobSettingsSchema, { document: "{}", rollout: {} });

  it("recognise their own earlier work and create nothing", async () => {
    account(
      { job1: { queryString: targetQuery(NOW) } },
      { status: "IN_PROGRESS", targets: [`${ARN}:thinggroup/job1`] },
    );
    await expect(
      createTargetGroup(iot, { groupName: "job1", queryString: targetQuery(NOW) }),
    ).resolves.toMatchObject({ outcome: "existed" });
    await expect(
      createJob(iot, { jobName: "job1", targetGroupArn: `${ARN}:thinggroup/job1`, job }),
    ).resolves.toMatchObject({
      outcome: "existed",
    });
    expect(iotMock.commandCalls(CreateDynamicThingGroupCommand)).toHaveLength(0);
    expect(iotMock.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it("refuse a group with another query and a job aimed at another group", async () => {
    account(
      { job1: { queryString: "thingName:x*" } },
      { status: "IN_PROGRESS", targets: [`${ARN}:thinggroup/other`] },
    );
    await expect(
      createTargetGroup(iot, { groupName: "job1", queryString: targetQuery(NOW) }),
    ).rejects.toThrow(/dynamic group job1 already exists with query "thingName:x\*", not/);
    await expect(
      createJob(iot, { jobName: "job1", targetGroupArn: `${ARN}:thinggroup/job1`, job }),
    ).rejects.toThrow(
      `job job1 already exists targeting ${ARN}:thinggroup/other, not ${ARN}:thinggroup/job1`,
    );
  });

  it("createJob refuses an existing job of that name on the group with other settings", async () => {
    account(
      { job1: { queryString: targetQuery(NOW) } },
      {
        status: "IN_PROGRESS",
        targets: [`${ARN}:thinggroup/job1`],
        jobExecutionsRolloutConfig: { maximumPerMinute: 10 },
      },
    );
    await expect(
      createJob(iot, { jobName: "job1", targetGroupArn: `${ARN}:thinggroup/job1`, job }),
    ).rejects.toThrow("job job1 already exists with other settings (rollout differ from this request)");
    expect(iotMock.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it("judge a job created concurrently (ResourceAlreadyExists) like any existing one", async () => {
    iotMock
      .on(DescribeJobCommand)
      .rejectsOnce(resourceNotFoundError())
      .resolves({
        job: { jobId: "job1", status: "IN_PROGRESS", targets: [`${ARN}:thinggroup/job1`], ...JOB_AS_CREATED },
      });
    iotMock.on(CreateJobCommand).rejects(alreadyExists());
    await expect(
      createJob(iot, { jobName: "job1", targetGroupArn: `${ARN}:thinggroup/job1`, job }),
    ).resolves.toMatchObject({
      outcome: "existed",
    });
  });
});

describe("seedThings", () => {
  it("counts things that exist (never re-creates them) and creates the rest", async () => {
    const existing = new Set(["t0", "t2"]);
    iotMock.on(DescribeThingCommand).callsFake((input: { thingName: string }) => {
      if (!existing.has(input.thingName)) throw resourceNotFoundError();
      return { thingName: input.thingName };
    });
    iotMock.on(CreateThingCommand).callsFake((input: { thingName: string }) => {
      if (input.thingName === "t3") throw alreadyExists();
      return { thingName: input.thingName };
    });
    const result = await seedThings(
      { paced: iot, rate: 1000, concurrency: 4, deadline: Number.POSITIVE_INFINITY, logger: silent },
      { prefix: "t", count: 5 },
    );
    expect(result.done).toBe(true);
    expect(result.counts).toEqual({ created: 2, existed: 3, failed: 0 });
    expect(
      iotMock
        .commandCalls(CreateThingCommand)
        .map((c) => c.args[0].input.thingName)
        .sort(),
    ).toEqual(["t1", "t3", "t4"]);
  });
});
