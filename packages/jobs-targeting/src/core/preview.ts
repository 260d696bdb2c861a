// A dry run: how many devices a job would target and how many its exclude list would spare, with a sample of
// each, and the dynamic-group query it would use (checked against AWS's limits). Reads only; creates nothing.
import type { IoTClient } from "@aws-sdk/client-iot";
import type { S3Client } from "@aws-sdk/client-s3";
import { rateGate } from "@fleet/shared-aws/steps";
import * as z from "zod/mini";
import { type ExcludeSet, loadExcludeSet } from "./exclude-list";
import { FIRST_PAGE, searchFleet, searchPositionSchema } from "./fleet-search";
import { excludeGroupNameFor } from "./names";
import { checkedTargetQuery } from "./query";
import { headObject } from "./s3-objects";

const countsSchema = z.strictObject({
  matched: z.int().check(z.minimum(0)),
  targeted: z.int().check(z.minimum(0)),
  excluded: z.int().check(z.minimum(0)),
});
const sampleSchema = z.strictObject({ targeted: z.array(z.string()), excluded: z.array(z.string()) });

export const previewCursorSchema = z.strictObject({
  position: searchPositionSchema,
  counts: countsSchema,
  sample: sampleSchema,
});
export type PreviewCursor = z.infer<typeof previewCursorSchema>;

export interface PreviewDeps {
  iot: IoTClient;
  s3: S3Client;
  bucket: string;
  updateKey: string;
  searchRate: number;
  deadline: number;
}

export interface PreviewInput {
  fleetIndexQuery: string;
  excludeListFileName?: string | undefined;
  jobName: string;
  sampleSize: number;
  cursor?: PreviewCursor | undefined;
}

export interface PreviewResult extends z.infer<typeof countsSchema> {
  /** Every match has been counted; otherwise invoke again with `cursor`. */
  done: boolean;
  cursor: PreviewCursor | null;
  targetQuery: string;
  excludeList: { names: number; invalid: number; duplicates: number } | null;
  sample: z.infer<typeof sampleSchema>;
}

export async function preview(deps: PreviewDeps, input: PreviewInput): Promise<PreviewResult> {
  const listKey = input.excludeListFileName;
  const targetQuery = checkedTargetQuery({
    fleetIndexQuery: input.fleetIndexQuery,
    updateKey: deps.updateKey,
    updateValue: Date.now(),
    excludeGroupName: listKey ? excludeGroupNameFor(input.jobName) : null,
  });
  let list: ExcludeSet | undefined;
  if (listKey) {
    const location = { bucket: deps.bucket, key: listKey };
    await headObject(deps.s3, location);
    list = await loadExcludeSet(deps.s3, location);
  }

  const counts = { ...(input.cursor?.counts ?? { matched: 0, targeted: 0, excluded: 0 }) };
  const sample = structuredClone(input.cursor?.sample ?? { targeted: [], excluded: [] });
  let position = input.cursor?.position ?? FIRST_PAGE;
  let done = true;
  for await (const { doc, after } of searchFleet(
    deps.iot,
    input.fleetIndexQuery,
    rateGate(deps.searchRate),
    position,
  )) {
    position = after;
    if (!doc.thingName) continue;
    counts.matched += 1;
    const kind = list?.names.has(doc.thingName) ? "excluded" : "targeted";
    counts[kind] += 1;
    if (sample[kind].length < input.sampleSize) sample[kind].push(doc.thingName);
    if (Date.now() >= deps.deadline) {
      done = false;
      break;
    }
  }
  return {
    done,
    cursor: done ? null : { position, counts, sample },
    targetQuery,
    ...counts,
    excludeList: list ? { names: list.names.size, invalid: list.invalid, duplicates: list.duplicates } : null,
    sample,
  };
}
