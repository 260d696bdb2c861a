import { describe, expect, it } from "@jest/globals";
import * as pulumi from "@pulumi/pulumi";
import { domainSettings, parseStackConfig, readStackConfig } from "../../src/config";
import { INFRA_DIR } from "../../tools/program-bundle";
import { readStackSettings, stackNames } from "../../tools/stack-config";

const valid = {
  region: "eu-west-1",
  logRetentionDays: 30,
  alertEmail: "ops@example.com",
  tags: { environment: "test" },
  domains: {
    jobsTargeting: {
      rates: { SEARCH_INDEX_RATE: 15 },
      settings: { UPDATE_KEY: "updateKey", CONCURRENCY: 8 },
    },
    otherDomain: { rates: {}, settings: { TABLE_MODE: "strict" } },
  },
};

describe("parseStackConfig", () => {
  it.each(stackNames(INFRA_DIR))(
    "reads Pulumi.%s.yaml, every fleet: key besides the platform's a domain",
    (stack) => {
      const { config, secretKeys } = readStackSettings(INFRA_DIR, stack);
      pulumi.runtime.setAllConfig(config, secretKeys);
      const parsed = readStackConfig();
      expect(parsed.tags.environment).toBe(stack);
      for (const platformKey of ["logRetentionDays", "alertEmail", "tags", "deployment"]) {
        expect(Object.keys(parsed.domains)).not.toContain(platformKey);
      }
      expect(parsed.domains.jobsTargeting).toEqual(JSON.parse(config["fleet:jobsTargeting"] as string));
    },
  );

  it("reports every problem at once", () => {
    const attempt = () =>
      parseStackConfig({
        region: "Europe",
        logRetentionDays: "30",
        alertEmail: "",
        tags: { "aws:reserved": "x" },
        domains: {
          jobsTargeting: { rates: { SEARCH_INDEX_RATE: 0, lower: 1 }, settings: { UPDATE_KEY: "" } },
          otherDomain: { settings: {} },
          thirdDomain: { rates: {}, settings: {}, notifyEmail: "a@example.com", component: "signing" },
        },
      });
    expect(attempt).toThrow(/aws:region must be an AWS region/);
    expect(attempt).toThrow(/fleet:logRetentionDays must be a number/);
    expect(attempt).toThrow(/fleet:alertEmail/);
    expect(attempt).toThrow(/fleet:tags/);
    expect(attempt).toThrow(/rates\.SEARCH_INDEX_RATE must be a positive number/);
    expect(attempt).toThrow(/rates\.lower/);
    expect(attempt).toThrow(/fleet:jobsTargeting\.settings\.UPDATE_KEY must be a non-empty string/);
    expect(attempt).toThrow("fleet:otherDomain must have the maps `rates` and `settings`");
    expect(attempt).toThrow(/fleet:thirdDomain\.notifyEmail is not a key of a domain's block/);
    expect(attempt).toThrow(/fleet:thirdDomain\.component must be a map, got "signing"/);
  });

  it("returns a valid config unchanged", () => {
    expect(parseStackConfig(valid)).toEqual(valid);
  });
});

describe("domainSettings", () => {
  it("gives every domain its block by key, and names a missing one", () => {
    const config = parseStackConfig(valid);
    expect(domainSettings(config, "otherDomain")).toEqual(valid.domains.otherDomain);
    expect(() => domainSettings(config, "otaDeploy")).toThrow("fleet:otaDeploy is missing");
  });
});

describe("readStackSettings", () => {
  it("names the known stacks when asked for another", () => {
    expect(() => readStackSettings(INFRA_DIR, "qa")).toThrow(
      /unknown stack "qa".*stacks: dev, prod, staging/,
    );
  });
});
