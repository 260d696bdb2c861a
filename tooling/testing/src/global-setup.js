// jest globalSetup for integration tests: one emulator per package run, its variables inherited by workers.
import { startEmulator } from "./emulator.js";

export default async function globalSetup() {
  const emulator = await startEmulator();
  Object.assign(process.env, emulator.env, {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
  });
  globalThis.__FLEET_EMULATOR__ = emulator;
  console.log(`\n[integration] local AWS emulator at ${emulator.endpoint}`);
}
