import { describe, expect, it } from "@jest/globals";
import { parseBootstrapConfig } from "../../bootstrap/src/config";
import { BOOTSTRAP_PROGRAM } from "../../tools/program-bundle";
import { readStackSettings, stackNames } from "../../tools/stack-config";
import { bootstrapConfigOf } from "../support/bootstrap-checks";

const host = {
  accountId: "123456789012",
  region: "eu-west-1",
  repository: "example-org/iot-fleet-update",
  environments: ["dev"],
  githubOidcProviderArn: undefined,
  hostState: { bucket: "fleet-state", sharedWith: { prod: "444455556666" } },
  remoteState: undefined,
  tags: { project: "fleet" },
};

describe("parseBootstrapConfig", () => {
  it.each(stackNames(BOOTSTRAP_PROGRAM.dir))("accepts bootstrap/Pulumi.%s.yaml", (stack) => {
    const parsed = bootstrapConfigOf(readStackSettings(BOOTSTRAP_PROGRAM.dir, stack).config);
    expect(parsed.environments).toEqual([stack]);
  });

  it("fills in the defaults of the hosted state", () => {
    expect(parseBootstrapConfig(host).hostState).toEqual({
      bucket: "fleet-state",
      noncurrentVersionDays: 90,
      sharedWith: { prod: "444455556666" },
    });
  });

  it("reports every problem at once", () => {
    const attempt = () =>
      parseBootstrapConfig({
        ...host,
        accountId: 123456789012,
        repository: "fleet",
        environments: ["Dev"],
        githubOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/accounts.google.com",
        hostState: { bucket: "Fleet_State", noncurrentVersionDays: 0, sharedWith: { dev: "4444", prod: 1 } },
      });
    expect(attempt).toThrow(
      new Error(
        [
          "Invalid bootstrap configuration: fleet-bootstrap:accountId must be the 12-digit id of the AWS account this stack is for (quoted)",
          "fleet-bootstrap:repository must be the GitHub repository as owner/name",
          "fleet-bootstrap:environments must list the environments deployed to this account (lowercase names, e.g. [dev])",
          "fleet-bootstrap:githubOidcProviderArn must be the ARN of the account's token.actions.githubusercontent.com provider",
          'fleet-bootstrap:hostState.bucket must be a valid S3 bucket name, got "Fleet_State"',
          "fleet-bootstrap:hostState.noncurrentVersionDays must be a positive integer, got 0",
          'fleet-bootstrap:hostState.sharedWith.dev must be a 12-digit account id (quoted), got "4444"',
          "fleet-bootstrap:hostState.sharedWith.prod must be a 12-digit account id (quoted), got 1",
        ].join("; "),
      ),
    );
  });

  it("needs exactly one of hostState and remoteState, and the key's ARN for a remote one", () => {
    expect(() => parseBootstrapConfig({ ...host, hostState: undefined })).toThrow(
      "set exactly one of fleet-bootstrap:hostState",
    );
    expect(() =>
      parseBootstrapConfig({ ...host, remoteState: { bucket: "fleet-state", keyArn: "alias/fleet" } }),
    ).toThrow("set exactly one of fleet-bootstrap:hostState");
    expect(() =>
      parseBootstrapConfig({
        ...host,
        hostState: undefined,
        remoteState: { bucket: "fleet-state", keyArn: "alias/fleet" },
      }),
    ).toThrow(
      'fleet-bootstrap:remoteState.keyArn must be the state bucket key\'s ARN (output stateBackend.keyArn of the account holding the state), got "alias/fleet"',
    );
  });

  it("refuses to share the state with an environment of this account", () => {
    expect(() =>
      parseBootstrapConfig({
        ...host,
        hostState: { bucket: "fleet-state", sharedWith: { dev: "444455556666" } },
      }),
    ).toThrow("fleet-bootstrap:hostState.sharedWith.dev: dev is deployed to this account");
  });
});
