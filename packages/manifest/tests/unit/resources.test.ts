import { describe, expect, it } from "@jest/globals";
import {
  handlerResources,
  manifestProblems,
  type PackageManifest,
  packageResource,
  resourcesInCreationOrder,
  resourceVariables,
} from "../../src/index";
import { manifest as example } from "../fixtures/example-domain/src/index";

const handler = (env: PackageManifest["handlers"][string]["env"], uses?: string[]) => ({
  entry: "src/handlers/x.ts",
  description: "x",
  timeoutSeconds: 10,
  memoryMb: 128,
  env,
  ...(uses ? { uses } : {}),
});
const flow = {
  description: "calls step",
  definition: { StartAt: "S", States: { S: { Type: "Task", Resource: "${step}", End: true } } },
};

describe("what a manifest says about resources", () => {
  it("resolves a name to the package's resource or state machine", () => {
    expect(packageResource(example, "ledger")).toEqual({
      name: "ledger",
      kind: "table",
      spec: example.resources.ledger,
    });
    expect(packageResource(example, "flow")).toEqual({ name: "flow", kind: "state-machine" });
    expect(packageResource(example, "nothing")).toBeUndefined();
  });

  it("lists a handler's resources from its variables and its uses, once each", () => {
    const spec = handler(
      {
        BUCKET: { required: true, description: "b", resource: "files" },
        RATE: { required: false, description: "r" },
      },
      ["files", "archive"],
    );
    expect(handlerResources(spec)).toEqual(["archive", "files"]);
  });

  it("maps every variable carrying a resource to it, settings left out", () => {
    expect(resourceVariables(example)).toEqual({
      FLOW_ARN: "flow",
      INBOX_BUCKET: "inbox",
      LEDGER_TABLE: "ledger",
      NOTICES_TOPIC_ARN: "notices",
      OUTBOX_QUEUE_URL: "outbox",
    });
  });

  it("orders the resources so that a queue comes after its dead-letter queue", () => {
    const manifest: PackageManifest = {
      ...example,
      resources: {
        work: { kind: "queue", description: "w", deadLetter: { queue: "failed", maxReceives: 3 } },
        failed: { kind: "queue", description: "f" },
        ledger: { kind: "table", description: "l", partitionKey: "id" },
      },
    };
    expect(resourcesInCreationOrder(manifest).map(([name]) => name)).toEqual(["failed", "ledger", "work"]);
  });
});

describe("manifestProblems", () => {
  it("finds none in a consistent manifest", () => {
    expect(manifestProblems(example)).toEqual([]);
  });

  it("names a handler using something the package does not have, and a name given to two things", () => {
    const manifest: PackageManifest = {
      ...example,
      resources: { ...example.resources, flow: { kind: "bucket", description: "clash" } },
      handlers: {
        ...example.handlers,
        start: handler({ FLOW_ARN: { required: true, description: "f", resource: "flow" } }, ["archive"]),
      },
    };
    expect(manifestProblems(manifest)).toEqual([
      "flow names both a resource and a state machine",
      "start uses archive, which is no resource or state machine of example-domain",
    ]);
  });

  it("refuses a dead-letter queue that is no queue of the package, the queue itself, or has one of its own", () => {
    const queue = (deadLetter?: { queue: string; maxReceives: number }) => ({
      kind: "queue" as const,
      description: "q",
      ...(deadLetter ? { deadLetter } : {}),
    });
    const manifest: PackageManifest = {
      ...example,
      resources: {
        ...example.resources,
        first: queue({ queue: "second", maxReceives: 5 }),
        second: queue({ queue: "third", maxReceives: 5 }),
        third: queue(),
        self: queue({ queue: "self", maxReceives: 1 }),
        tabled: queue({ queue: "ledger", maxReceives: 1000 }),
        missing: queue({ queue: "nowhere", maxReceives: 0 }),
        fractional: queue({ queue: "third", maxReceives: 2.5 }),
      },
    };
    expect(manifestProblems(manifest)).toEqual([
      "first's dead-letter queue second has a dead-letter queue of its own",
      "self cannot be its own dead-letter queue",
      "tabled's dead-letter queue ledger is no queue of example-domain",
      "missing's dead-letter queue nowhere is no queue of example-domain",
      "missing's maxReceives must be an integer from 1 to 1000, got 0",
      "fractional's maxReceives must be an integer from 1 to 1000, got 2.5",
    ]);
  });

  it("refuses a table's time-to-live on one of its keys (strings, never epoch seconds)", () => {
    const table = (ttlAttribute: string) => ({
      kind: "table" as const,
      description: "t",
      partitionKey: "id",
      sortKey: "at",
      ttlAttribute,
    });
    const manifest: PackageManifest = {
      ...example,
      resources: { ...example.resources, byId: table("id"), byAt: table("at"), fine: table("expiresAt") },
    };
    expect(manifestProblems(manifest)).toEqual([
      "byId's ttlAttribute id is one of its keys, which hold strings, not epoch seconds",
      "byAt's ttlAttribute at is one of its keys, which hold strings, not epoch seconds",
    ]);
  });

  it("refuses a variable carrying two things in two handlers", () => {
    const manifest: PackageManifest = {
      ...example,
      handlers: {
        ...example.handlers,
        start: handler({ INBOX_BUCKET: { required: true, description: "i", resource: "ledger" } }),
      },
    };
    expect(manifestProblems(manifest)).toEqual([
      "INBOX_BUCKET carries resource inbox in record but resource ledger elsewhere",
    ]);
  });

  it("refuses a state machine step reading a state machine's ARN: neither could be created first", () => {
    const manifest: PackageManifest = {
      name: "loop",
      packageDir: "packages/loop",
      resources: {},
      handlers: { step: handler({ FLOW_ARN: { required: true, description: "f", resource: "flow" } }) },
      stateMachines: { flow },
    };
    expect(manifestProblems(manifest)).toEqual([
      "step is a state machine step and cannot read the ARN of state machine flow",
    ]);
  });

  it("refuses a test-fleet tool as a state machine step: a stack without the tools would break the machine", () => {
    const manifest: PackageManifest = {
      name: "loop",
      packageDir: "packages/loop",
      resources: {},
      handlers: { step: { ...handler({}), testFleetTool: true } },
      stateMachines: { flow },
    };
    expect(manifestProblems(manifest)).toEqual([
      "step is a test-fleet tool and cannot be a state machine step",
    ]);
  });
});
