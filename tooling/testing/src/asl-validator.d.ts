// asl-validator 4 ships no type declarations; this is the part of its API asl.ts uses.
declare module "asl-validator" {
  interface ValidationResult {
    isValid: boolean;
    errors: unknown[];
    errorsText(separator?: string): string;
  }
  /** Validates an Amazon States Language definition; note that it adds default fields to its argument. */
  function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): ValidationResult;
  export = validator;
}
