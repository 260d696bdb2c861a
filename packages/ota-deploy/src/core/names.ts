// Names the platform gives what a deployment creates, and the stack's prefix every one must carry.
import { requireNamePrefix } from "@fleet/shared-aws";

/** The S3 key of a release's record: the release's identity, written once. */
export const releaseRecordKey = (version: string) => `releases/${version}.json`;
/** Where `./run ota release` puts a firmware file. */
export const firmwareKey = (version: string, fileName: string) => `firmware/${version}/${fileName}`;
/**
 * The target list a deployment of more than 100 things writes, and the static group filled from it: both are the
 * deployment's own (named by its owner id), so a re-run with another list never reaches the previous devices.
 */
export const targetListKey = (jobId: string, owner: string) => `deployments/${jobId}/${owner}/targets.txt`;
export const targetGroupName = (jobId: string, owner: string) => `${jobId}-${owner}`;

/**
 * Each deployment's owner id marks the stream and jobs it creates (in their descriptions, which Describe* return
 * and the emulator keeps): a re-run of one step recognises its own, and clean-up never touches another's.
 */
export const ownerMark = (owner: string) => `(ota-deploy ${owner})`;
export const ownedBy = (description: string | undefined, owner: string) =>
  description?.endsWith(ownerMark(owner)) ?? false;

/** A stack's IAM grants cover only jobs, streams and groups under its prefix: refuse others up front. */
export const requirePrefix = (prefix: string, names: Record<string, string | null | undefined>) =>
  requireNamePrefix(prefix, "GROUP_NAME_PREFIX", names);
