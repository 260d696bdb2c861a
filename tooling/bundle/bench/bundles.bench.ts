// Bundle size and cold start of every handler of every package manifest, next to its floor: a bundle built in
// the same run that only creates the AWS SDK clients the handler holds. The goal: every handler's cold import
// ≤ 1.3 × its floor. Prints `BENCH bundle/<package>/<handler> kib=… cold_ms=… floor_ms=… ratio=…`, then the
// biggest inputs of each handler that misses it. Run: `pnpm bench` (BENCH_RUNS cold imports each, default 15).
import { rm } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PackageManifest } from "@fleet/manifest";
import { loadManifests } from "@fleet/manifest/workspace";
import { bundleHandlers } from "../src/bundle";
import { BUNDLE_ENTRY_FILE } from "../src/layout";
import { coldImportMs, median } from "./cold-import";
import { buildFloors, type Floor, floorName } from "./floor";
import { biggestOwners, sdkClients } from "./inputs";

const GOAL = 1.3;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const REGION = "us-east-1";
const repoRoot = path.resolve(import.meta.dirname, "../../..");

interface Subject {
  id: string;
  bundle: string;
  kib: number;
  inputs: Record<string, number>;
  floor: Floor;
  env: Record<string, string>;
}

// A handler loads its configuration at module scope and refuses a cold start without its required variables:
// each gets a value of the shape its resource's variable holds.
function standIn(manifest: PackageManifest, name: string, resource: string | undefined): string {
  const kind = resource === undefined ? undefined : manifest.resources[resource]?.kind;
  if (kind === "topic") return `arn:aws:sns:${REGION}:000000000000:bench`;
  if (kind === "queue") return `https://sqs.${REGION}.amazonaws.com/000000000000/bench`;
  if (kind === undefined && name.endsWith("_ARN"))
    return `arn:aws:states:${REGION}:000000000000:stateMachine:bench`;
  return `bench-${name.toLowerCase()}`;
}

function environment(manifest: PackageManifest, handler: string): Record<string, string> {
  const spec = manifest.handlers[handler];
  const required = Object.entries(spec?.env ?? {}).filter(([, variable]) => variable.required);
  return {
    PATH: process.env.PATH ?? "",
    AWS_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: handler,
    ...Object.fromEntries(
      required.map(([name, { resource }]) => [name, process.env[name] ?? standIn(manifest, name, resource)]),
    ),
  };
}

async function subjectsOf(manifest: PackageManifest): Promise<Subject[]> {
  const packageDir = path.join(repoRoot, manifest.packageDir);
  const built = await bundleHandlers(manifest, packageDir);
  const floors = await buildFloors(
    built.map(({ inputs }) => sdkClients(inputs)),
    packageDir,
    path.join(packageDir, "node_modules/.cache/bundle-bench"),
  );
  return built.map(({ handler, dir, bytes, inputs }) => ({
    id: `${manifest.name}/${handler}`,
    bundle: path.join(dir, BUNDLE_ENTRY_FILE),
    kib: bytes / 1024,
    inputs,
    floor: floors.get(floorName(sdkClients(inputs))) as Floor,
    env: environment(manifest, handler),
  }));
}

const manifests = await loadManifests(repoRoot);
const subjects = (await Promise.all(manifests.map(subjectsOf))).flat();

// Each handler's import is paired with an import of its floor right after it, so a machine that gets busier
// slows both alike; the ratio is the median of the pairs' ratios.
const pairs = new Map<Subject, { cold: number[]; floor: number[]; ratio: number[] }>(
  subjects.map((subject) => [subject, { cold: [], floor: [], ratio: [] }]),
);
for (let round = 0; round < RUNS; round++) {
  for (const [subject, samples] of pairs) {
    const cold = await coldImportMs(pathToFileURL(subject.bundle).href, subject.env);
    const floor = await coldImportMs(pathToFileURL(subject.floor.bundle).href, subject.env);
    samples.cold.push(cold);
    samples.floor.push(floor);
    samples.ratio.push(cold / floor);
  }
}

const misses: Subject[] = [];
for (const [subject, samples] of pairs) {
  const ratio = median(samples.ratio);
  if (ratio > GOAL) misses.push(subject);
  console.log(
    `BENCH bundle/${subject.id} kib=${subject.kib.toFixed(0)} cold_ms=${median(samples.cold).toFixed(1)} floor_ms=${median(samples.floor).toFixed(1)} ratio=${ratio.toFixed(2)}`,
  );
}
for (const floor of new Map(subjects.map(({ floor }) => [floor.name, floor])).values())
  console.log(`floor ${floor.name}: ${floor.kib.toFixed(0)} KiB`);
console.log(
  `goal (cold import ≤ ${GOAL} × floor, median of ${RUNS}): ${subjects.length - misses.length} of ${subjects.length} handlers meet it`,
);
for (const subject of misses) {
  const biggest = biggestOwners(subject.inputs, 6).map(
    ([owner, bytes]) => `${owner} ${(bytes / 1024).toFixed(0)} KiB`,
  );
  console.log(`  ${subject.id} misses; biggest inputs: ${biggest.join(", ")}`);
}
await Promise.all(
  manifests.map((manifest) =>
    rm(path.join(repoRoot, manifest.packageDir, "node_modules/.cache/bundle-bench"), {
      recursive: true,
      force: true,
    }),
  ),
);
