export type {
  BucketSpec,
  EnvVarSpec,
  HandlerSizing,
  LambdaHandlerSpec,
  PackageManifest,
  QueueSpec,
  ResourceSpec,
  StateMachineSpec,
  TableSpec,
  TopicSpec,
} from "./manifest";
export {
  handlerEntries,
  QUEUE_RETENTION_SECONDS,
  TOPIC_KMS_KEY,
} from "./manifest";
export {
  handlerResources,
  manifestProblems,
  type PackageResource,
  packageResource,
  resourcesInCreationOrder,
  resourceVariables,
  stateMachineSteps,
} from "./resources";
export type { Figure, Scene, SceneOption, SceneOptions, Stage, Substitute } from "./scene";
export { sceneName } from "./scene";
export { referencedHandlers, substituteFunctionArns } from "./state-machine";
