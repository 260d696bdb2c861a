// Every file in events/ is a ready-to-send event: named `<handler>[.<variant>].json`, valid for that handler,
// and record-outcome's carry the seed's own payload and AWS's job-execution event as the rules deliver them.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import * as z from "zod/mini";
import { FAILURE_SOURCES, HANDLER_VARS, type HandlerName } from "../../src/config";
import { parseMessage } from "../../src/core/messages";
import * as schemas from "../../src/schemas";

const SCHEMAS: Record<HandlerName, z.ZodMiniType> = {
  "record-outcome": schemas.recordOutcomeEvent,
  "move-attributes": schemas.escalationInput,
  "restore-attributes": schemas.escalationInput,
  quarantine: schemas.escalationInput,
  notify: schemas.escalationInput,
  "escalation-failed": schemas.escalationFailedEvent,
  "list-quarantined": schemas.listQuarantinedEvent,
  release: schemas.releaseEvent,
  "device-history": schemas.deviceHistoryEvent,
};
const dir = path.resolve(import.meta.dirname, "../../events");
const files = readdirSync(dir).filter((file) => file.endsWith(".json"));
const handlerOf = (file: string) => file.split(".")[0] as HandlerName;
const read = (file: string) => JSON.parse(readFileSync(path.join(dir, file), "utf8"));

describe("sample events", () => {
  it("exist for every handler", () => {
    expect([...new Set(files.map(handlerOf))].sort()).toEqual(Object.keys(HANDLER_VARS).sort());
  });

  for (const file of files) {
    it(`${file} is a valid ${handlerOf(file)} event`, () => {
      expect(z.safeParse(SCHEMAS[handlerOf(file)], read(file)).success).toBe(true);
    });
  }

  it("record-outcome's carry outcomes: the seed's payload as it is, and a job-execution event", () => {
    const outcomes = files
      .filter((file) => handlerOf(file) === "record-outcome")
      .flatMap((file) => (read(file) as { Records: { body: string }[] }).Records)
      .map(({ body }) => parseMessage(body, { sources: FAILURE_SOURCES }));
    expect(outcomes).toEqual(
      expect.arrayContaining([
        { ok: true, outcome: expect.objectContaining({ source: "job-executions", kind: "failed" }) },
        { ok: true, outcome: expect.objectContaining({ source: "device-data", kind: "succeeded" }) },
        {
          ok: true,
          outcome: expect.objectContaining({ deviceId: "3hwC2y7", kind: "failed", at: 1_711_320_208_793 }),
        },
      ]),
    );
    expect(outcomes).toHaveLength(3);
  });
});
