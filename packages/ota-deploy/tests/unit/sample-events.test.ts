// Every ready-to-send file in events/ is accepted by what reads it: the handler's event schema, or the deploy
// state machine's first step (the deployment config), so the README's CLI lines work as printed.
import { readdirSync, readFileSync } from "node:fs";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { parseOrThrow } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import type * as z from "zod/mini";
import { parseDeploymentConfig } from "../../src/core/deployment-config";
import { recordJobEvents } from "../../src/core/job-metrics";
import * as schemas from "../../src/schemas";

const perJob = new Metrics({ namespace: "IoT:OTA:JobExecution" });
const dir = new URL("../../events/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
const SCHEMA_OF: Record<string, z.ZodMiniType> = {
  release: schemas.releaseEvent,
  "clean-up": schemas.cleanUpEvent,
  "round-status": schemas.roundStatusEvent,
  status: schemas.statusEvent,
  "force-stopper": schemas.forceStopperEvent,
  "add-schedule": schemas.addScheduleEvent,
  deployer: schemas.deployerEvent,
  "list-schedule": schemas.listScheduleEvent,
};

describe("events/", () => {
  it("holds an event for the entry handlers and both state machines", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "release.json",
        "deploy.sfn.json",
        "release-firmware.sfn.json",
        "clean-up.json",
        "add-schedule.json",
        "deployer.json",
        "list-schedule.json",
      ]),
    );
  });

  it.each(files)("%s is valid for what reads it", (file) => {
    const event = JSON.parse(readFileSync(new URL(file, dir), "utf8"));
    const target = file.split(".")[0] as string;
    if (target === "deploy") expect(() => parseDeploymentConfig(event)).not.toThrow();
    else if (target === "job-metrics")
      expect(recordJobEvents(event, { perJob, write: () => {}, logger: { warn: () => {} } })).toMatchObject({
        events: 3,
        recorded: 3,
        malformed: 0,
      });
    else if (target === "add-schedule") expect(() => parseDeploymentConfig(event.config)).not.toThrow();
    else if (target === "release-firmware")
      expect(() => parseOrThrow(schemas.releaseEvent, event.request)).not.toThrow();
    else expect(() => parseOrThrow(SCHEMA_OF[target] as z.ZodMiniType, event)).not.toThrow();
  });
});
