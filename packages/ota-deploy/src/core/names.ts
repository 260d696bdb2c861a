// Names the platform gives what a deployment creates, and the stack's prefix every one must carry.
import { ValidationError } from "@fleet/shared-aws";

/** The S3 key of a release's record: the release's identity, written once. */
export const releaseRecordKey = (version: string) => `releases/${version}.json`;
/** Where `./run ota release` puts a firmware file. */
export const firmwareKey = (version: string, fileName: string) => `firmware/${version}/${fileName}`;
/** The target list a deployment of more than 100 things writes, and the static group filled from it. */
export const targetListKey = (jobId: string) => `deployments/${jobId}/targets.txt`;
export const targetGroupName = (jobId: string) => `${jobId}-targets`;

/** A stack's IAM grants cover only names under its prefix: refuse others up front, naming the field. */
export function requirePrefix(prefix: string, names: Record<string, string | undefined>): void {
  const problems = Object.entries(names).flatMap(([field, value]) =>
    value !== undefined && !value.startsWith(prefix)
      ? [
          `${field}: ${JSON.stringify(value)} must start with ${JSON.stringify(prefix)} (GROUP_NAME_PREFIX: this stack's IAM grants cover only names with that prefix)`,
        ]
      : [],
  );
  if (problems.length > 0) throw new ValidationError(problems);
}
