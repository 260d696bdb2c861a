import { manifest } from "@fleet/jobs-targeting";
import { describe, expect, it } from "@jest/globals";
import { parseDeploymentConfig, roleUnderPath } from "../../src/deployment";
import { protectStatefulResources } from "../../src/protection";
import { deployedManifest, testFleetHandlers } from "../../src/test-fleet";
import { INFRA_DIR } from "../../tools/program-bundle";
import { stackNames } from "../../tools/stack-config";
import { deploymentOf } from "../support/deployment-checks";

const valid = {
  iamRolePath: "/fleet/dev/",
  protect: false,
  testFleetTools: true,
  iot: { thingNamePrefix: "fleet-test-", groupNamePrefix: "fleet-" },
};

describe("fleet:deployment", () => {
  it.each(stackNames(INFRA_DIR))("of Pulumi.%s.yaml is valid", (stack) => {
    expect(deploymentOf(stack).iamRolePath).toBe(`/fleet/${stack}/`);
  });

  it("protects staging and prod, and leaves the test-fleet tools out of prod", () => {
    expect(["staging", "prod"].map((stack) => deploymentOf(stack).protect)).toEqual([true, true]);
    expect(deploymentOf("prod").testFleetTools).toBe(false);
  });

  it("reports every problem at once", () => {
    expect(() =>
      parseDeploymentConfig({ iamRolePath: "fleet/dev", protect: "yes", iot: { thingNamePrefix: "" } }),
    ).toThrow(
      new Error(
        [
          "Invalid stack configuration: fleet:deployment.iamRolePath must be an IAM path like /fleet/dev/ (bootstrap output environments.<stack>.fleetConfig)",
          "fleet:deployment.protect must be true or false",
          "fleet:deployment.testFleetTools must be true or false",
          "fleet:deployment.iot.thingNamePrefix must be 1-64 characters of a-z, A-Z, 0-9, :, _ and -",
          "fleet:deployment.iot.groupNamePrefix must be 1-64 characters of a-z, A-Z, 0-9, :, _ and -",
        ].join("; "),
      ),
    );
    expect(() => parseDeploymentConfig(undefined)).toThrow("fleet:deployment must be a map");
    expect(parseDeploymentConfig(valid)).toEqual(valid);
  });
});

describe("the deployment's transforms", () => {
  const args = (type: string, custom = true) => ({
    type,
    name: "x",
    custom,
    props: { a: 1 },
    opts: { parent: undefined },
  });

  it("put every role, and nothing else, under the IAM path", () => {
    expect(roleUnderPath("/fleet/dev/")(args("aws:iam/role:Role"))).toEqual({
      props: { a: 1, path: "/fleet/dev/" },
      opts: { parent: undefined },
    });
    expect(roleUnderPath("/fleet/dev/")(args("aws:iam/rolePolicy:RolePolicy"))).toBeUndefined();
  });

  it("protect and retain each resource as its type's class says, and refuse a type nobody classified", () => {
    expect(protectStatefulResources(args("aws:s3/bucket:Bucket"))).toEqual({
      props: { a: 1 },
      opts: { parent: undefined, protect: true, retainOnDelete: true },
    });
    // A bucket's safeguards go with it.
    expect(protectStatefulResources(args("aws:s3/bucketVersioning:BucketVersioning"))?.opts).toEqual({
      parent: undefined,
      protect: true,
      retainOnDelete: true,
    });
    expect(protectStatefulResources(args("aws:sfn/stateMachine:StateMachine"))).toEqual({
      props: { a: 1 },
      opts: { parent: undefined, protect: true },
    });
    expect(protectStatefulResources(args("aws:cloudwatch/logGroup:LogGroup"))?.opts).toEqual({
      parent: undefined,
      retainOnDelete: true,
    });
    expect(protectStatefulResources(args("aws:lambda/function:Function"))).toBeUndefined();
    expect(protectStatefulResources(args("aws:s3/bucket:Bucket", false))).toBeUndefined();
    expect(() => protectStatefulResources(args("aws:sqs/queue:Queue"))).toThrow(
      "aws:sqs/queue:Queue is not classified in infra/src/protection.ts",
    );
  });
});

describe("deployedManifest", () => {
  it("is the whole package with test-fleet tools, and without them leaves out exactly those its manifest marks", () => {
    expect(testFleetHandlers(manifest)).toEqual(["seed-things"]);
    expect(deployedManifest(manifest, true)).toBe(manifest);
    expect(
      Object.keys(manifest.handlers).filter((h) => !(h in deployedManifest(manifest, false).handlers)),
    ).toEqual(["seed-things"]);
  });

  it("leaves a package without marked tools whole", () => {
    const handlers = Object.fromEntries(
      Object.entries(manifest.handlers).map(([name, spec]) => [name, { ...spec, testFleetTool: false }]),
    );
    expect(deployedManifest({ ...manifest, handlers }, false).handlers).toEqual(handlers);
  });
});
