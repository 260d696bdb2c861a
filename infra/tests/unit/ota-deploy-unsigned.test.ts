// OtaDeploy in a stack that does not sign releases (dev): no key, and the release function is told none (it then
// refuses `sign: true`); the component's config block is checked before anything is created.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { otaDeployComponentConfig } from "../../src/components/ota-deploy-config";
import type { RecordedResource } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";

let synthesis: Synthesis;
beforeAll(async () => {
  synthesis = await synthesize("dev");
});

describe("OtaDeploy without signing (dev)", () => {
  it("creates no signing key and tells the release function none", () => {
    expect(synthesis.resources.filter((r) => r.type === "aws:kms/key:Key")).toEqual([]);
    const release = synthesis.resources.find(
      (r) => r.type === "aws:lambda/function:Function" && r.name === "fleet-dev-ota-deploy-release",
    ) as RecordedResource;
    expect(
      (release.inputs.environment as { variables: Record<string, string> }).variables.SIGNING_KEY_ID,
    ).toBeUndefined();
  });

  it("deploys the deploy and release-firmware state machines", () => {
    const machines = synthesis.resources
      .filter((r) => r.type === "aws:sfn/stateMachine:StateMachine")
      .map((r) => r.name);
    expect(machines).toEqual(
      expect.arrayContaining(["fleet-dev-ota-deploy-deploy", "fleet-dev-ota-deploy-release-firmware"]),
    );
  });
});

describe("the component block of fleet:otaDeploy", () => {
  it("defaults to no signing, 30 days of old versions, nobody notified and a deployer run every 5 minutes, and refuses anything else", () => {
    expect(otaDeployComponentConfig(undefined)).toEqual({
      signing: false,
      noncurrentVersionDays: 30,
      notifyEmails: [],
      notifySms: [],
      scheduleRate: "rate(5 minutes)",
    });
    expect(
      otaDeployComponentConfig({
        signing: true,
        noncurrentVersionDays: 365,
        notifyEmails: ["ops@example.com"],
        notifySms: ["+4915112345678"],
        scheduleRate: "rate(1 hour)",
      }),
    ).toEqual({
      signing: true,
      noncurrentVersionDays: 365,
      notifyEmails: ["ops@example.com"],
      notifySms: ["+4915112345678"],
      scheduleRate: "rate(1 hour)",
    });
    for (const bad of [
      { signing: "yes" },
      { signing: true, lifecycle: 3 },
      { signing: true, noncurrentVersionDays: 0 },
      { signing: true, noncurrentVersionDays: 1.5 },
      { signing: true, notifyEmails: "ops@example.com" },
      { signing: true, notifyEmails: ["not an address"] },
      { signing: true, notifyEmails: ["ops@example.com", "ops@example.com"] },
      { signing: true, notifySms: ["015112345678"] },
      { signing: true, scheduleRate: "rate(1 minutes)" },
      { signing: true, scheduleRate: "rate(0 minutes)" },
      { signing: true, scheduleRate: "cron(0 * * * ? *)" },
      { signing: true, scheduleRate: 5 },
      null,
      "on",
    ]) {
      expect(() => otaDeployComponentConfig(bad)).toThrow(
        "fleet:otaDeploy.component must be {signing: true|false, noncurrentVersionDays?: 1-36500, notifyEmails?: [e-mail addresses], notifySms?: [E.164 phone numbers], scheduleRate?: rate(<n> minute(s)|hour(s)|day(s))}",
      );
    }
  });

  it("keeps the firmware bucket's replaced versions as long as the stack says, and gives plan its deadline bounds", () => {
    const lifecycle = synthesis.resources.find(
      (r) =>
        r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration" &&
        r.name.startsWith("fleet-dev-ota-deploy-firmware"),
    ) as RecordedResource;
    expect(lifecycle.inputs.rules).toEqual([
      expect.objectContaining({ noncurrentVersionExpiration: { noncurrentDays: 30 } }),
    ]);
    const plan = synthesis.resources.find(
      (r) => r.type === "aws:lambda/function:Function" && r.name === "fleet-dev-ota-deploy-plan-deployment",
    ) as RecordedResource;
    expect((plan.inputs.environment as { variables: Record<string, string> }).variables).toMatchObject({
      DEFAULT_ROUND_DEADLINE_MINUTES: "60",
      MAX_ROUND_DEADLINE_MINUTES: "1440",
    });
  });
});
