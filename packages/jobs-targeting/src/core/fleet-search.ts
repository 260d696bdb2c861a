// Paging through the fleet index (SearchIndex on AWS_Things) at the SearchIndex rate, resumable from any
// document: a position is the token of the page it came from and how many of that page's documents are done.
import {
  type IoTClient,
  SearchIndexCommand,
  type SearchIndexCommandOutput,
  type ThingDocument,
} from "@aws-sdk/client-iot";
import { errorName, TransientError } from "@fleet/shared-aws";
import type { Gate } from "@fleet/shared-aws/steps";
import * as z from "zod/mini";

export const searchPositionSchema = z.object({
  /** Token the page was fetched with; null for the first page. */
  pageToken: z.nullable(z.string()),
  /** Documents of that page already done. */
  skip: z.int().check(z.minimum(0)),
});
export type SearchPosition = z.infer<typeof searchPositionSchema>;

export const FIRST_PAGE: SearchPosition = { pageToken: null, skip: 0 };
export const SEARCH_PAGE_SIZE = 100;

/** One page; an index still being built is a transient condition, worth retrying later. */
export async function searchPage(
  iot: IoTClient,
  queryString: string,
  token: string | null,
): Promise<SearchIndexCommandOutput> {
  try {
    return await iot.send(
      new SearchIndexCommand({
        indexName: "AWS_Things",
        queryString,
        maxResults: SEARCH_PAGE_SIZE,
        nextToken: token ?? undefined,
      }),
    );
  } catch (error) {
    if (errorName(error) === "IndexNotReadyException") {
      throw new TransientError(`the fleet index is not ready for ${JSON.stringify(queryString)}`, {
        cause: error,
      });
    }
    throw error;
  }
}

export interface Found {
  doc: ThingDocument;
  /** Resume here to continue after this document. */
  after: SearchPosition;
}

/**
 * Every document matching `queryString` from `from` on. The next page is fetched while this one is consumed,
 * so a paced consumer never stalls on a page boundary.
 */
export async function* searchFleet(
  iot: IoTClient,
  queryString: string,
  gate: Gate,
  from: SearchPosition = FIRST_PAGE,
): AsyncGenerator<Found> {
  const fetch = async (token: string | null) => {
    await gate();
    return searchPage(iot, queryString, token);
  };
  let token = from.pageToken;
  let skip = from.skip;
  let pending = fetch(token);
  for (;;) {
    const page = await pending;
    const next = page.nextToken ?? null;
    if (next) {
      pending = fetch(next);
      // Observed when awaited; if the consumer stops first, an unawaited rejection must not crash the process.
      pending.catch(() => undefined);
    }
    const things = page.things ?? [];
    for (let i = skip; i < things.length; i++)
      yield { doc: things[i] as ThingDocument, after: { pageToken: token, skip: i + 1 } };
    if (!next) return;
    token = next;
    skip = 0;
  }
}
