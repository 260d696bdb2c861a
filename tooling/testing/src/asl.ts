// Amazon States Language validation for every package's and infra's state machine tests, in one place.
/// <reference path="./asl-validator.d.ts" />
import validator from "asl-validator";

export interface AslOptions {
  /** Check JSONPath expressions (default true). */
  checkPaths?: boolean;
  /** Check that Resource fields are ARNs (default true); false for definitions still holding `${handler}`. */
  checkArn?: boolean;
}

/** What makes `definition` invalid ASL, one line each; empty when it is valid. The definition is not changed. */
export function aslProblems(definition: unknown, options: AslOptions = {}): string[] {
  // The validator adds default fields to what it is given.
  const result = validator(structuredClone(definition), options);
  return result.isValid ? [] : result.errorsText("\n").split("\n");
}
