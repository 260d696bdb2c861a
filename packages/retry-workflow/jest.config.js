import { jestConfig } from "@fleet/testing/jest-config";

export default jestConfig({ rootDir: import.meta.dirname });
