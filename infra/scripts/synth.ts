// `pnpm synth <stack> [program]`: runs the Pulumi program under the SDK's mocks with Pulumi.<stack>.yaml and
// prints the resource inventory as JSON - what `pulumi up` would create, without an AWS account or the Pulumi
// CLI. `program` runs another build of the program (the tests pass the bundle the Pulumi CLI runs).
// `pnpm synth bootstrap [stack] [program]` does the same for the bootstrap project (bootstrap/); without a
// stack it prints the inventories of all its stacks, one per AWS account, as a JSON array.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { inventory } from "../tools/inventory";
import { BOOTSTRAP_PROGRAM, FLEET_PROGRAM, INFRA_DIR } from "../tools/program-bundle";
import { stackNames } from "../tools/stack-config";
import { synthesize } from "../tools/synthesize";

const args = process.argv.slice(2);
const bootstrap = args[0] === "bootstrap";
const project = bootstrap ? BOOTSTRAP_PROGRAM : FLEET_PROGRAM;
const [stack, program] = bootstrap ? args.slice(1) : args;

async function main(): Promise<string> {
  if (bootstrap && !stack) {
    // One Pulumi runtime per process: each stack in its own.
    const run = promisify(execFile);
    const outputs = await Promise.all(
      stackNames(project.dir).map((name) =>
        run(process.execPath, [...process.execArgv, import.meta.filename, "bootstrap", name], {
          maxBuffer: 64 << 20,
        }),
      ),
    );
    return JSON.stringify(
      outputs.map(({ stdout }) => JSON.parse(stdout)),
      null,
      2,
    );
  }
  if (!stack) {
    throw new Error(
      `usage: pnpm synth <stack> [program] | pnpm synth bootstrap [stack] [program]    stacks: ${stackNames(INFRA_DIR).join(", ")}; bootstrap stacks: ${stackNames(BOOTSTRAP_PROGRAM.dir).join(", ")}`,
    );
  }
  const synthesis = await synthesize(stack, program && path.resolve(program), {}, project);
  return JSON.stringify(inventory(synthesis, findRepoRoot(INFRA_DIR)), null, 2);
}

try {
  process.stdout.write(`${await main()}\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(message.startsWith("usage:") ? message : `synth ${args.join(" ")}: ${message}`);
  process.exit(message.startsWith("usage:") ? 2 : 1);
}
