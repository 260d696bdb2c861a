// Bundles every handler in the manifest into dist/<handler>/index.mjs with esbuild (see @fleet/bundle).
import { bundleHandlers } from "@fleet/bundle";
import { manifest } from "./src/index";

const results = await bundleHandlers(manifest, import.meta.dirname);
for (const { handler, bytes } of results)
  console.log(`${manifest.name}/${handler}: ${(bytes / 1024).toFixed(0)} KiB`);
