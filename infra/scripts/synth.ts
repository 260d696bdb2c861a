// `pnpm synth <stack> [program]`: runs the Pulumi program under the SDK's mocks with Pulumi.<stack>.yaml and
// prints the resource inventory as JSON - what `pulumi up` would create, without an AWS account or the Pulumi
// CLI. `program` runs another build of the program (the tests pass the bundle the Pulumi CLI runs).
import path from "node:path";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { inventory } from "../tools/inventory";
import { INFRA_DIR } from "../tools/program-bundle";
import { stackNames } from "../tools/stack-config";
import { synthesize } from "../tools/synthesize";

const [stack, program] = process.argv.slice(2);
if (!stack) {
  console.error(`usage: pnpm synth <stack> [program]    stacks: ${stackNames(INFRA_DIR).join(", ")}`);
  process.exit(2);
}
try {
  const synthesis = await synthesize(stack, program && path.resolve(program));
  process.stdout.write(`${JSON.stringify(inventory(synthesis, findRepoRoot(INFRA_DIR)), null, 2)}\n`);
} catch (error) {
  console.error(`synth ${stack}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
