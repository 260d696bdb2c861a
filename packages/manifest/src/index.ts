export type {
  BucketSpec,
  EnvVarSpec,
  LambdaHandlerSpec,
  PackageManifest,
  ResourceSpec,
  StateMachineSpec,
  TableSpec,
} from "./manifest";
export {
  handlerResources,
  manifestProblems,
  type PackageResource,
  packageResource,
  resourceVariables,
  stateMachineSteps,
} from "./resources";
export type { Figure, Scene, SceneOption, SceneOptions, Stage, Substitute } from "./scene";
export { referencedHandlers, substituteFunctionArns } from "./state-machine";
