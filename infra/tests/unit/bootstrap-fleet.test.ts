// The bootstrap stacks fit the fleet stacks: every fleet stack has its roles in exactly one account, and the
// accounts agree on where the state is. (That each stack's deploy role may manage every resource type the stack
// creates is a stack check: tests/support/deploy-role-checks.ts.)
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "@jest/globals";
import { BOOTSTRAP_PROGRAM, FLEET_PROGRAM, INFRA_DIR } from "../../tools/program-bundle";
import { readStackSettings, stackNames } from "../../tools/stack-config";
import { bootstrapConfigOf } from "../support/bootstrap-checks";

const accounts = stackNames(BOOTSTRAP_PROGRAM.dir).map((stack) => ({
  stack,
  ...bootstrapConfigOf(readStackSettings(BOOTSTRAP_PROGRAM.dir, stack).config),
}));
const fleetStacks = stackNames(FLEET_PROGRAM.dir);

describe("bootstrap accounts and fleet stacks", () => {
  it("every fleet stack has its roles in exactly one account", () => {
    const environments = accounts.flatMap((account) => account.environments).sort();
    expect(environments).toEqual([...fleetStacks].sort());
  });

  it("exactly one account holds the state; it shares it with every environment of the others, by their account", () => {
    const [host, ...more] = accounts.filter((account) => account.hostState);
    expect(more).toEqual([]);
    const others = accounts.filter((account) => account !== host);
    expect(host?.hostState?.sharedWith).toEqual(
      Object.fromEntries(
        others.flatMap((account) =>
          account.environments.map((environment) => [environment, account.accountId]),
        ),
      ),
    );
    for (const account of others) expect(account.remoteState?.bucket).toBe(host?.hostState?.bucket);
  });

  it("the other accounts name the key the holding account's stack creates", async () => {
    const host = accounts.find((account) => account.hostState);
    if (!host) throw new Error("no bootstrap stack holds the state");
    const { stdout } = await promisify(execFile)(
      path.join(INFRA_DIR, "node_modules/.bin/tsx"),
      ["scripts/synth.ts", "bootstrap", host.stack],
      { cwd: INFRA_DIR, maxBuffer: 64 << 20 },
    );
    const keyArn = JSON.parse(stdout).outputs.stateBackend.keyArn;
    expect(keyArn).toMatch(new RegExp(`^arn:aws:kms:${host.region}:${host.accountId}:key/`));
    for (const account of accounts.filter((a) => a.remoteState))
      expect(account.remoteState?.keyArn).toBe(keyArn);
  }, 60_000);
});
