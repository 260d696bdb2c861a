// The policy pack's list of actions allowed on `*` (infra/policy/src/rules/iam.ts) holds no action nothing uses:
// each is granted on `*` by some role of some stack, fleet or bootstrap.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { WILDCARD_RESOURCE_ACTIONS } from "@fleet/policy/iam";
import { beforeAll, expect, it } from "@jest/globals";
import type { PolicyDocument } from "../../src/policies/document";
import type { Inventory } from "../../tools/inventory";
import { FLEET_PROGRAM, INFRA_DIR } from "../../tools/program-bundle";
import { stackNames } from "../../tools/stack-config";

const synth = async (...args: string[]) =>
  JSON.parse(
    (
      await promisify(execFile)(
        path.join(INFRA_DIR, "node_modules/.bin/tsx"),
        ["scripts/synth.ts", ...args],
        {
          cwd: INFRA_DIR,
          maxBuffer: 64 << 20,
        },
      )
    ).stdout,
  );

let onStar: string[];
beforeAll(async () => {
  const inventories: Inventory[] = (
    await Promise.all([...stackNames(FLEET_PROGRAM.dir).map((stack) => synth(stack)), synth("bootstrap")])
  ).flat();
  onStar = inventories
    .flatMap((inventory) => inventory.resources)
    .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")
    .flatMap((r) => (r.inputs.policy as PolicyDocument).Statement)
    .filter((s) => s.Effect === "Allow" && s.Resource?.includes("*"))
    .flatMap((s) => s.Action);
}, 120_000);

it.each(Object.entries(WILDCARD_RESOURCE_ACTIONS))("%s is granted on * somewhere: %s", (action) => {
  expect(onStar).toContain(action);
});
