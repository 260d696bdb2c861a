import path from "node:path";
import { bundleProgram, INFRA_DIR, PROGRAMS } from "./tools/program-bundle";

for (const { entry, bundle } of PROGRAMS) {
  await bundleProgram(bundle, entry);
  console.log(`Pulumi program bundled into ${path.relative(INFRA_DIR, bundle)}`);
}
