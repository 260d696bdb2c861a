// Every file in events/ is a ready-to-send event: named `<handler>[.<variant>].json`, valid for that handler.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import * as z from "zod/mini";
import { HANDLER_VARS, type HandlerName } from "../../src/config";
import * as schemas from "../../src/schemas";

const SCHEMAS: Record<HandlerName, z.ZodMiniType> = {
  "seed-things": schemas.seedThingsEvent,
  "start-targeted-job": schemas.startTargetedJobEvent,
  "fill-exclude-group": schemas.fillExcludeGroupEvent,
  teardown: schemas.teardownEvent,
  preview: schemas.previewEvent,
  "ensure-indexing": schemas.ensureIndexingEvent,
  "index-status": schemas.indexStatusEvent,
  "confirm-exclusions": schemas.confirmExclusionsEvent,
  "create-target-group": schemas.createTargetGroupEvent,
  "create-job": schemas.createJobEvent,
  "fast-track": schemas.fastTrackEvent,
};
const dir = path.resolve(import.meta.dirname, "../../events");
const files = readdirSync(dir).filter((file) => file.endsWith(".json"));
const handlerOf = (file: string) => file.split(".")[0] as HandlerName;

describe("sample events", () => {
  it("exist for every handler, including the seed's own samples", () => {
    expect([...new Set(files.map(handlerOf))].sort()).toEqual(Object.keys(HANDLER_VARS).sort());
    const bodies = files.map((file) => JSON.parse(readFileSync(path.join(dir, file), "utf8")));
    expect(bodies).toContainEqual({ mode: "seed", demoThingPrefix: "myDemoThings", seedConfigNumber: 1000 });
    expect(bodies).toContainEqual({ mode: "delete", demoThingPrefix: "myDemoThings" });
    expect(bodies).toContainEqual({ jobName: "myFirstJob", fleetIndexQuery: "myDemoThings*" });
    expect(bodies).toContainEqual({
      jobName: "mySecondJob",
      fleetIndexQuery: "myDemoThings*",
      excludeListFileName: "excludeList.csv",
    });
  });

  for (const file of files) {
    it(`${file} is a valid ${handlerOf(file)} event`, () => {
      const parsed = z.safeParse(
        SCHEMAS[handlerOf(file)],
        JSON.parse(readFileSync(path.join(dir, file), "utf8")),
      );
      expect(parsed.error?.issues ?? []).toEqual([]);
    });
  }
});
