import { jestConfig } from "@fleet/testing/jest-config";

// The demo tests play whole scenes against the emulator.
export default jestConfig({ rootDir: import.meta.dirname, integrationTimeoutMs: 240_000 });
