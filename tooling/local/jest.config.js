import { jestConfig } from "@fleet/testing/jest-config";

// The demo test drives a whole walkthrough against the emulator.
export default jestConfig({ rootDir: import.meta.dirname, integrationTimeoutMs: 240_000 });
