// What protection a synthesized stack must show, for both programs: every custom resource type classified
// (src/protection.ts), each resource carrying exactly its class's options where the stack protects them, none
// elsewhere; and, independently of the classification, what must survive any mistaken change in a protected
// stack: buckets, tables, keys and queues, and every configuration of a bucket (its safeguards), protected and retained.
import { PROTECTION, RESOURCE_CLASSES } from "../../src/protection";
import type { RecordedResource } from "../../tools/mocks";

const HOLDING_DATA = [
  "aws:s3/bucket:Bucket",
  "aws:dynamodb/table:Table",
  "aws:kms/key:Key",
  "aws:sqs/queue:Queue",
];
const UNPROTECTED = { protect: false, retainOnDelete: false };
const show = ({ protect, retainOnDelete }: RecordedResource["options"]) =>
  `protect ${protect}, retainOnDelete ${retainOnDelete}`;

export function protectionProblems(resources: RecordedResource[], protect: boolean): string[] {
  const custom = resources.filter((r) => r.custom);
  const unclassified = [...new Set(custom.map((r) => r.type))].filter((type) => !(type in RESOURCE_CLASSES));
  const problems = unclassified.map((type) => `${type} is not classified in src/protection.ts`);
  for (const resource of custom.filter((r) => !unclassified.includes(r.type))) {
    const expected = protect
      ? PROTECTION[RESOURCE_CLASSES[resource.type] as keyof typeof PROTECTION]
      : UNPROTECTED;
    if (show(resource.options) !== show(expected)) {
      problems.push(
        `${resource.name} (${resource.type}): ${show(resource.options)}, expected ${show(expected)}`,
      );
    }
  }
  if (!protect) return problems;
  const buckets = custom.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.computed.bucket);
  const mustKeep = custom.filter(
    (r) =>
      HOLDING_DATA.includes(r.type) || (r.inputs.bucket !== undefined && buckets.includes(r.inputs.bucket)),
  );
  if (mustKeep.length === 0) problems.push("the stack has no bucket, table, key or queue to protect");
  for (const resource of mustKeep) {
    if (!(resource.options.protect && resource.options.retainOnDelete)) {
      problems.push(
        `${resource.name} (${resource.type}) holds or guards data but is ${show(resource.options)}`,
      );
    }
  }
  return problems;
}
