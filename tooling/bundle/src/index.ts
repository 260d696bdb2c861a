export { type BundleOptions, type BundleResult, bundleHandlers } from "./bundle";
export { locateBundle } from "./locate";
export {
  BUNDLE_ENTRY_FILE,
  bundleDir,
  type EnvVarSpec,
  type LambdaHandlerSpec,
  type PackageManifest,
  type StateMachineSpec,
} from "./manifest";
export { referencedHandlers, substituteFunctionArns } from "./state-machine";
