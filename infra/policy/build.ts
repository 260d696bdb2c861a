import { bundlePolicyPack } from "./bundle";

await bundlePolicyPack();
console.log("Policy pack bundled into dist/index.mjs");
