// `./run ota release <file> [--version v] [--bucket b]`, `./run ota convert <dev.ini> [--version v] [--bucket b]`
// and `./run ota schedule <dev.ini|config.json> [--version v] [--bucket b]`.
// release: the streamed, resumable multipart upload with both hashes, as CI calls it; it prints the release
// handler's event. convert: the original tool's dev.ini as a deployment config (stdout), each option it cannot
// honour named (stderr). schedule: the add-schedule handler's event for a dev.ini or a config, more than 100
// things written to the bucket as a list first, as for convert. AWS access as every SDK client: AWS_PROFILE /
// AWS_REGION / AWS_ENDPOINT_URL.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AppError, awsClient, ConflictError } from "@fleet/shared-aws";
import { type DeploymentConfig, MAX_DIRECT_TARGETS, parseDeploymentConfig } from "../core/deployment-config";
import { convertDevIni, referencedFiles, releaseVersionOf } from "../core/dev-ini";
import { firmwareKey } from "../core/names";
import { readRelease } from "../core/release-record";
import { uploadFirmware } from "../core/upload";

const USAGE = `usage:
  ./run ota release <file> [--version <v>] [--bucket <firmware bucket>]
  ./run ota convert <dev.ini> [--version <release>] [--bucket <firmware bucket>]
  ./run ota schedule <dev.ini|config.json> [--version <release>] [--bucket <firmware bucket>]
(bucket default: $FIRMWARE_BUCKET; release default: the file name (binName) without its extension)`;

const here = (path: string) => resolve(process.env.FLEET_CALLER_CWD ?? process.cwd(), path);

const usageError = (message: string) => new AppError(message, { name: "UsageError" });

function bucketOf(options: { bucket?: string }): string {
  const bucket = options.bucket ?? process.env.FIRMWARE_BUCKET;
  if (!bucket) throw usageError("give --bucket or set FIRMWARE_BUCKET (the stack's firmware bucket)");
  return bucket;
}

async function release(file: string, options: { version?: string; bucket?: string }) {
  const bucket = bucketOf(options);
  const version = options.version ?? releaseVersionOf(basename(file));
  const key = firmwareKey(version, basename(file));
  const s3 = awsClient(S3Client);
  // A version is released once: another file under a released version is refused before anything is written.
  const released = await readRelease(s3, bucket, version);
  if (released && released.key !== key)
    throw new ConflictError(
      `release ${version} exists with ${released.key}; releases are immutable: choose another version`,
    );
  const result = await uploadFirmware(s3, { bucket, key, file: here(file) });
  process.stderr.write(
    `uploaded ${result.size} bytes to s3://${bucket}/${key} (${result.partsSent} parts sent, ${result.partsResumed} resumed)\n`,
  );
  // The release handler's event: it verifies these hashes against the object and records the release.
  const event = {
    version,
    key,
    ...(result.versionId ? { versionId: result.versionId } : {}),
    expected: { md5: result.md5, sha256: result.sha256 },
  };
  process.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
}

/** The deployment config of a `dev.ini` (converted, lists written as `convert` does) or of a config JSON file. */
async function deploymentConfigOf(file: string, options: { version?: string; bucket?: string }) {
  if (file.endsWith(".json")) {
    const raw = JSON.parse(readFileSync(here(file), "utf8"));
    // Refused here, naming the field, before a list is written; the stack's defaults are add-schedule's to apply.
    parseDeploymentConfig(raw);
    return withListedTargets(raw, options);
  }
  return convert(file, options);
}

async function convert(iniFile: string, options: { version?: string; bucket?: string }) {
  const path = here(iniFile);
  const text = readFileSync(path, "utf8");
  const files = referencedFiles(text);
  const read = (name: string | undefined) => {
    try {
      return name ? readFileSync(resolve(dirname(path), name), "utf8") : undefined;
    } catch {
      return undefined;
    }
  };
  const documentText = read(files.jobDocPath);
  let localJobDocument: Record<string, unknown> | undefined;
  try {
    localJobDocument = documentText ? JSON.parse(documentText) : undefined;
  } catch {
    localJobDocument = undefined;
  }
  const { config, notHonoured } = convertDevIni(text, {
    thingList: read(files.thingList)?.split(/\r?\n/),
    localJobDocument,
    release: options.version,
  });
  for (const line of notHonoured) process.stderr.write(`not honoured: ${line}\n`);
  return withListedTargets(config, options);
}

/**
 * A state machine's input is at most 256 KB: more than 100 things go to the firmware bucket as a list (named
 * by its content, so the same list is written once), and the config names it.
 */
async function withListedTargets(config: DeploymentConfig, options: { bucket?: string }) {
  if (!("things" in config.targets) || config.targets.things.length <= MAX_DIRECT_TARGETS) return config;
  const bucket = bucketOf(options);
  const body = `${config.targets.things.join("\n")}\n`;
  const key = `target-lists/${config.jobId}-${createHash("sha256").update(body).digest("hex").slice(0, 16)}.txt`;
  await awsClient(S3Client).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  process.stderr.write(`wrote ${config.targets.things.length} thing names to s3://${bucket}/${key}\n`);
  return { ...config, targets: { thingListKey: key } };
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { version: { type: "string" }, bucket: { type: "string" }, help: { type: "boolean", short: "h" } },
});
const [command, file] = positionals;
try {
  if (values.help || !file || !["release", "convert", "schedule"].includes(command as string)) {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
  } else if (command === "release") {
    await release(file, values);
  } else {
    const config = await deploymentConfigOf(file, values);
    // schedule: the add-schedule handler's event, which checks the deployment and queues it.
    const output = command === "schedule" ? { config } : config;
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  }
} catch (error) {
  const { name, message } = error as Error;
  process.stderr.write(`${name}: ${message}\n`);
  process.exitCode = 1;
}
