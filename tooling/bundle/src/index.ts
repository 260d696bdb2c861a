export { type BundleOptions, type BundleResult, bundleHandlers } from "./bundle";
export { BUNDLE_ENTRY_FILE, bundleDir } from "./layout";
export { locateBundle } from "./locate";
export { bundlePulumiEntry } from "./pulumi-entry";
