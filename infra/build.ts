import { bundleProgram, PROGRAM_BUNDLE } from "./tools/program-bundle";

await bundleProgram();
console.log(`Pulumi program bundled into ${PROGRAM_BUNDLE}`);
