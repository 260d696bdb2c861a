// Creates the test fleet `prefix0 … prefix{n-1}` at the CreateThing rate. A thing that already exists is
// counted, never replaced: DescribeThing first, because CreateThing with the same name is a silent success on
// AWS and a silent replacement on the emulator — neither tells us the thing was already there.
import { CreateThingCommand, DescribeThingCommand, type IoTClient } from "@aws-sdk/client-iot";
import { pace } from "@fleet/shared-aws";
import { z } from "zod";
import { isAlreadyExists, unlessNotFound } from "./aws-errors";
import { addPaceResult, emptyTally, type Logger, type StepResult, stepResult, tallySchema } from "./tally";

export const seedCursorSchema = z.strictObject({
  next: z.number().int().min(0),
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
}

export interface SeedInput {
  prefix: string;
  count: number;
  cursor?: SeedCursor | undefined;
}

export async function seedThings(deps: SeedDeps, input: SeedInput): Promise<StepResult<SeedCursor>> {
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

  const result = await pace(indices(start, input.count), createUnlessExists, {
    rate: deps.rate,
    concurrency: deps.concurrency,
    deadline: deps.deadline,
    describe: nameOf,
  });
  const run = addPaceResult(tally, result, deps.rate, deps.logger);
  return stepResult(result.done, { next: start + result.consumed, tally }, tally, run);
}

function* indices(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield i;
}
