import { jestConfig } from "./src/jest-config.js";

export default jestConfig({ rootDir: import.meta.dirname });
