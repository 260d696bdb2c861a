import { describe, expect, it } from "@jest/globals";
import { parseStackConfig } from "../../src/config";
import { INFRA_DIR } from "../../tools/program-bundle";
import { readStackSettings, stackNames } from "../../tools/stack-config";

const valid = {
  region: "eu-west-1",
  logRetentionDays: 30,
  alertEmail: "ops@example.com",
  tags: { environment: "test" },
  jobsTargeting: { rates: { SEARCH_INDEX_RATE: 15 }, settings: { UPDATE_KEY: "updateKey", CONCURRENCY: 8 } },
};

describe("parseStackConfig", () => {
  it.each(stackNames(INFRA_DIR))("accepts Pulumi.%s.yaml", (stack) => {
    const { config } = readStackSettings(INFRA_DIR, stack);
    const object = (key: string) => JSON.parse(config[key] as string);
    const parsed = parseStackConfig({
      region: config["aws:region"],
      logRetentionDays: Number(config["fleet:logRetentionDays"]),
      alertEmail: config["fleet:alertEmail"],
      tags: object("fleet:tags"),
      jobsTargeting: object("fleet:jobsTargeting"),
    });
    expect(parsed.tags.environment).toBe(stack);
  });

  it("reports every problem at once", () => {
    const attempt = () =>
      parseStackConfig({
        region: "Europe",
        logRetentionDays: "30",
        alertEmail: "",
        tags: { "aws:reserved": "x" },
        jobsTargeting: { rates: { SEARCH_INDEX_RATE: 0, lower: 1 }, settings: { UPDATE_KEY: "" } },
      });
    expect(attempt).toThrow(/aws:region must be an AWS region/);
    expect(attempt).toThrow(/fleet:logRetentionDays must be a number/);
    expect(attempt).toThrow(/fleet:alertEmail/);
    expect(attempt).toThrow(/fleet:tags/);
    expect(attempt).toThrow(/rates\.SEARCH_INDEX_RATE must be a positive number/);
    expect(attempt).toThrow(/rates\.lower/);
    expect(attempt).toThrow(/settings\.UPDATE_KEY must be a non-empty string/);
  });

  it("requires both maps of a domain", () => {
    expect(() => parseStackConfig({ ...valid, jobsTargeting: { rates: {} } })).toThrow(
      "fleet:jobsTargeting must have the maps `rates` and `settings`",
    );
  });

  it("returns a valid config unchanged", () => {
    expect(parseStackConfig(valid)).toEqual(valid);
  });
});

describe("readStackSettings", () => {
  it("names the known stacks when asked for another", () => {
    expect(() => readStackSettings(INFRA_DIR, "qa")).toThrow(
      /unknown stack "qa".*stacks: dev, prod, staging/,
    );
  });
});
