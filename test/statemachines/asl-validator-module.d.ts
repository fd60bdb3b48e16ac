// asl-validator ships no type declarations; this covers the part the tests use.
declare module 'asl-validator' {
  interface AslValidatorOptions {
    checkPaths?: boolean;
    checkArn?: boolean;
  }
  interface AslValidationError {
    message?: string;
    [key: string]: unknown;
  }
  interface AslValidationResult {
    isValid: boolean;
    errors: AslValidationError[];
    errorsText: (separator?: string) => string;
  }
  function aslValidator(definition: unknown, options?: AslValidatorOptions): AslValidationResult;
  export default aslValidator;
}
