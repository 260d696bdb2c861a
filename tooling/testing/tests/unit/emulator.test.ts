import { afterEach, describe, expect, it } from "@jest/globals";
import { startEmulator } from "../../src/emulator.js";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("startEmulator", () => {
  it("starts moto on a free 127.0.0.1 port, serves AWS over HTTP, and stops it", async () => {
    delete process.env.AWS_ENDPOINT_URL;
    const emulator = await startEmulator();
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.env).toMatchObject({ AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: "us-east-1" });
    const res = await fetch(`${emulator.endpoint}/moto-api/data.json`);
    expect(res.status).toBe(200);
    await emulator.reset();
    await emulator.stop();
    await expect(fetch(`${emulator.endpoint}/moto-api/data.json`)).rejects.toThrow();
  });

  it("fails loudly, saying what to install, when moto cannot start", async () => {
    delete process.env.AWS_ENDPOINT_URL;
    process.env.MOTO_PYTHON = "/nonexistent/python";
    await expect(startEmulator({ timeoutMs: 5000 })).rejects.toThrow(
      /moto server .* exited before serving[\s\S]*\.\/run setup/,
    );
  });

  it("fails loudly when AWS_ENDPOINT_URL does not answer", async () => {
    process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
    await expect(startEmulator()).rejects.toThrow(
      "AWS_ENDPOINT_URL=http://127.0.0.1:9 does not answer as a moto server",
    );
  });
});
