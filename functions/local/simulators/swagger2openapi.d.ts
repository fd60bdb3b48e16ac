/** The part of swagger2openapi (no bundled types) the request checker uses. */
declare module 'swagger2openapi' {
  interface ConvertOptions {
    patch?: boolean;
    warnOnly?: boolean;
  }
  interface ConvertResult {
    openapi: Record<string, unknown>;
  }
  const swagger2openapi: {
    convertObj(swagger: Record<string, unknown>, options: ConvertOptions): Promise<ConvertResult>;
  };
  export default swagger2openapi;
}
