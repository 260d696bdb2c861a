export {
  awsError,
  noSuchKey,
  resourceNotFoundError,
  s3NotFound,
  throttlingError,
} from "./aws-errors";
export { handlerInvoker, type Invoke, untilDone } from "./handlers";
export { localContext } from "./local-context";
export { TokenBucket } from "./token-bucket";
