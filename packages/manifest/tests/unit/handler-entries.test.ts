// A package's manifest lists each handler once: its entry and variables follow from its name.
import { describe, expect, it } from "@jest/globals";
import { handlerEntries } from "../../src/manifest";

describe("handlerEntries", () => {
  const handler = handlerEntries((name: "seed" | "sweep") => ({
    [`${name.toUpperCase()}_RATE`]: { required: false, description: `${name} calls per second` },
  }));

  it("points at src/handlers/<name>.ts and carries the variables the package's table declares for it", () => {
    expect(handler("sweep", "Sweeps", { timeoutSeconds: 60, memoryMb: 256 })).toEqual([
      "sweep",
      {
        entry: "src/handlers/sweep.ts",
        description: "Sweeps",
        timeoutSeconds: 60,
        memoryMb: 256,
        env: { SWEEP_RATE: { required: false, description: "sweep calls per second" } },
      },
    ]);
  });

  it("adds what differs per handler", () => {
    const [, spec] = handler(
      "seed",
      "Seeds",
      { timeoutSeconds: 900, memoryMb: 512 },
      {
        uses: ["lists"],
        testFleetTool: true,
      },
    );
    expect(spec).toMatchObject({
      uses: ["lists"],
      testFleetTool: true,
      env: { SEED_RATE: expect.anything() },
    });
  });
});
