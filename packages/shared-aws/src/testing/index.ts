export { localContext } from "./local-context";
export { TokenBucket, throttlingError } from "./token-bucket";
