// Creates the test fleet `prefix0 … prefix{n-1}` at the CreateThing rate. A thing that already exists is
// counted, never replaced: DescribeThing first, because CreateThing with the same name is a silent success on
// AWS and a silent replacement on the emulator — neither tells us the thing was already there.
import { CreateThingCommand, DescribeThingCommand, type IoTClient } from "@aws-sdk/client-iot";
import { z } from "zod";
import { isAlreadyExists, unlessNotFound } from "./aws-errors";
import { type PaceTuning, paceCarried, retrySchema } from "./carry";
import { checkCursorPrefix } from "./names";
import { emptyTally, type Logger, type StepResult, stepResult, tallySchema } from "./tally";

export const seedCursorSchema = z.strictObject({
  /** The prefix the cursor was made for: a cursor is refused with any other. */
  prefix: z.string(),
  /** The next index never taken. */
  next: z.number().int().min(0),
  /** Indices taken but not created yet for a reason that may pass: created first by the next invocation. */
  retry: retrySchema(z.number().int().min(0)).optional(),
  tally: tallySchema,
});
export type SeedCursor = z.infer<typeof seedCursorSchema>;

export interface SeedDeps {
  /** A paced client (one attempt a call: pace() retries). */
  paced: IoTClient;
  /** Items a second. Each item makes one DescribeThing and at most one CreateThing call. */
  rate: number;
  concurrency: number;
  deadline: number;
  logger: Logger;
  /** pace()'s retries within an invocation; its defaults unless set. */
  tuning?: PaceTuning;
}

export interface SeedInput {
  prefix: string;
  count: number;
  cursor?: SeedCursor | undefined;
}

export async function seedThings(deps: SeedDeps, input: SeedInput): Promise<StepResult<SeedCursor>> {
  checkCursorPrefix(input.cursor, input.prefix);
  const start = input.cursor?.next ?? 0;
  const tally = input.cursor?.tally ?? emptyTally({ created: 0, existed: 0, failed: 0 });
  const nameOf = (index: number) => `${input.prefix}${index}`;

  const createUnlessExists = async (index: number) => {
    const thingName = nameOf(index);
    const existing = await unlessNotFound(() => deps.paced.send(new DescribeThingCommand({ thingName })));
    if (existing) return "existed";
    try {
      await deps.paced.send(new CreateThingCommand({ thingName }));
      return "created";
    } catch (error) {
      // Created by someone else (with another configuration) between our describe and create.
      if (isAlreadyExists(error)) return "existed";
      throw error;
    }
  };

  const paced = await paceCarried({
    carried: input.cursor?.retry,
    stream: indices(start, input.count),
    keyOf: (index) => index,
    itemOf: (index) => index,
    worker: createUnlessExists,
    pace: {
      ...deps.tuning,
      rate: deps.rate,
      concurrency: deps.concurrency,
      deadline: deps.deadline,
      describe: nameOf,
    },
    tally,
    logger: deps.logger,
  });
  const cursor = { prefix: input.prefix, next: start + paced.streamConsumed, retry: paced.retry, tally };
  return stepResult(paced.done, cursor, tally, paced.run);
}

function* indices(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield i;
}
