// `./run ota release <file> [--version v] [--bucket b]` and `./run ota convert <dev.ini> [--version v]`.
// release: the streamed, resumable multipart upload with both hashes, as CI calls it; it prints the release
// handler's event. convert: the original tool's dev.ini as a deployment config (stdout), each option it cannot
// honour named (stderr). AWS access as every SDK client: AWS_PROFILE / AWS_REGION / AWS_ENDPOINT_URL.
import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { S3Client } from "@aws-sdk/client-s3";
import { AppError, awsClient } from "@fleet/shared-aws";
import { convertDevIni } from "../core/dev-ini";
import { firmwareKey } from "../core/names";
import { uploadFirmware } from "../core/upload";

const USAGE = `usage:
  ./run ota release <file> [--version <v>] [--bucket <firmware bucket>]   (bucket default: $FIRMWARE_BUCKET)
  ./run ota convert <dev.ini> [--version <release>]`;

const here = (path: string) => resolve(process.env.FLEET_CALLER_CWD ?? process.cwd(), path);

/** The file name without its extension: `fw-1.2.3.bin` is release `fw-1.2.3`. */
const versionFromName = (file: string) => basename(file).replace(/\.[^.]*$/, "");

async function release(file: string, options: { version?: string; bucket?: string }) {
  const bucket = options.bucket ?? process.env.FIRMWARE_BUCKET;
  if (!bucket)
    throw new AppError("give --bucket or set FIRMWARE_BUCKET (the stack's firmware bucket)", {
      name: "UsageError",
    });
  const version = options.version ?? versionFromName(file);
  const key = firmwareKey(version, basename(file));
  const result = await uploadFirmware(awsClient(S3Client), { bucket, key, file: here(file) });
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

function convert(iniFile: string, options: { version?: string }) {
  const path = here(iniFile);
  const text = readFileSync(path, "utf8");
  const defaults = /^\s*thingList\s*=\s*(.+)$/im.exec(text)?.[1]?.trim();
  const documentPath = /^\s*jobDocPath\s*=\s*(.+)$/im.exec(text)?.[1]?.trim();
  const read = (name: string | undefined) => {
    try {
      return name ? readFileSync(resolve(dirname(path), name), "utf8") : undefined;
    } catch {
      return undefined;
    }
  };
  const documentText = read(documentPath);
  let localJobDocument: Record<string, unknown> | undefined;
  try {
    localJobDocument = documentText ? JSON.parse(documentText) : undefined;
  } catch {
    localJobDocument = undefined;
  }
  const { config, notHonoured } = convertDevIni(text, {
    thingList: read(defaults)?.split(/\r?\n/),
    localJobDocument,
    release: options.version,
  });
  for (const line of notHonoured) process.stderr.write(`not honoured: ${line}\n`);
  process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { version: { type: "string" }, bucket: { type: "string" }, help: { type: "boolean", short: "h" } },
});
const [command, file] = positionals;
try {
  if (values.help || !file || (command !== "release" && command !== "convert")) {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
  } else if (command === "release") {
    await release(file, values);
  } else {
    convert(file, values);
  }
} catch (error) {
  const { name, message } = error as Error;
  process.stderr.write(`${name}: ${message}\n`);
  process.exitCode = 1;
}
