// ./run invoke <package>/<handler> --event <file.json> [--profile P] [--region R]
// The local twin of `aws lambda invoke`: runs the handler's source in this process against the local
// emulator (default) or a real account, prints its logs as they come and then its result.
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { handlerInvoker } from "@fleet/shared-aws/testing";
import { emulatorEnv, ensureLocalEmulator } from "./background-emulator";
import { findManifest, repoRoot } from "./domains";
import { provisionLocalStack } from "./local-stack";

const USAGE = `usage: ./run invoke <package>/<handler> --event <file.json> [--profile NAME] [--region REGION] [--timeout-seconds N]
  default: against the local AWS emulator (started in the background if needed), with the package's local stack
  --profile/--region: against a real account; the handler's environment (LISTS_BUCKET, …) comes from yours`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    event: { type: "string" },
    profile: { type: "string" },
    region: { type: "string" },
    "timeout-seconds": { type: "string" },
  },
});

const [target] = positionals;
const [packageName, handlerName] = (target ?? "").split("/");
if (!packageName || !handlerName) fail("name a handler as <package>/<handler>, e.g. jobs-targeting/preview");
if (!values.event) fail("--event <file.json> is required");

const manifest = await findManifest(packageName).catch((error: Error) => fail(error.message));
const spec = manifest.handlers[handlerName];
if (!spec)
  fail(
    `unknown handler "${handlerName}" in ${packageName}; handlers: ${Object.keys(manifest.handlers).join(", ")}`,
  );

// `./run` and pnpm change folder; a relative --event path means the caller's folder.
const eventPath = isAbsolute(values.event)
  ? values.event
  : resolve(process.env.FLEET_CALLER_CWD ?? process.env.INIT_CWD ?? process.cwd(), values.event);
let event: unknown;
try {
  event = JSON.parse(readFileSync(eventPath, "utf8"));
} catch (error) {
  fail(`cannot read the event ${eventPath}: ${(error as Error).message}`);
}

const remote = values.profile !== undefined || values.region !== undefined;
if (remote) {
  if (values.profile) process.env.AWS_PROFILE = values.profile;
  if (values.region) process.env.AWS_REGION = values.region;
  delete process.env.AWS_ENDPOINT_URL;
  console.error(
    `invoking ${packageName}/${handlerName} against AWS (${values.profile ?? "default profile"}, ${process.env.AWS_REGION ?? "region from your config"})`,
  );
} else {
  const endpoint = process.env.AWS_ENDPOINT_URL ?? (await ensureLocalEmulator((line) => console.error(line)));
  Object.assign(process.env, emulatorEnv(endpoint));
  const stackEnv = await provisionLocalStack(manifest);
  for (const [name, value] of Object.entries(stackEnv)) process.env[name] ??= value;
  console.error(`invoking ${packageName}/${handlerName} against the local AWS emulator at ${endpoint}`);
}
process.env.POWERTOOLS_LOG_LEVEL ??= "INFO";

const timeoutSeconds = Number(values["timeout-seconds"] ?? spec.timeoutSeconds);
const invoke = handlerInvoker(manifest, repoRoot);
const started = performance.now();
try {
  const result = await invoke(handlerName, event, { timeoutMs: timeoutSeconds * 1000 });
  console.error(`\n── result (${Math.round(performance.now() - started)} ms) ──`);
  console.log(JSON.stringify(result, null, 2));
} catch (error) {
  const e = error as Error & { retryable?: boolean; details?: unknown };
  console.error(`\n── error (${Math.round(performance.now() - started)} ms) ──`);
  console.log(
    JSON.stringify(
      { errorType: e.name, errorMessage: e.message, retryable: e.retryable, details: e.details },
      null,
      2,
    ),
  );
  process.exitCode = 1;
}
