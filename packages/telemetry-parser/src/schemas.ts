// The event Firehose sends the transformation. Only what answering needs is checked here: a record without a
// recordId cannot be answered, so it fails the batch (Firehose retries it, then writes it to the error prefix);
// a record's data is checked by the transformation, which answers a bad one ProcessingFailed.
import * as z from "zod/mini";

export const firehoseEvent = z.looseObject({
  invocationId: z.optional(z.string()),
  deliveryStreamArn: z.optional(z.string()),
  region: z.optional(z.string()),
  records: z.array(
    z.looseObject({
      recordId: z.string().check(z.minLength(1)),
      data: z.unknown(),
      approximateArrivalTimestamp: z.optional(z.number()),
    }),
  ),
});

export type FirehoseEvent = z.output<typeof firehoseEvent>;
