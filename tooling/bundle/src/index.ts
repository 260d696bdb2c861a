export { bundleDir, type EnvVarSpec, type LambdaHandlerSpec, type PackageManifest, type StateMachineSpec } from "./manifest";
