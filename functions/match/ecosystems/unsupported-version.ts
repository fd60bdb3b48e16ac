/** A version string an ecosystem's ordering cannot place: the caller cannot say whether it is affected. */
export class UnsupportedVersion extends Error {
  readonly ecosystem: string;
  readonly version: string;

  constructor(ecosystem: string, version: string, detail?: string, options?: { cause?: unknown }) {
    super(`${ecosystem} cannot order version ${JSON.stringify(version)}${detail ? `: ${detail}` : ''}`, options);
    this.name = 'UnsupportedVersion';
    this.ecosystem = ecosystem;
    this.version = version;
  }
}

/** An ecosystem forestall has no version ordering for. */
export class UnsupportedEcosystem extends Error {
  readonly ecosystem: string;

  constructor(ecosystem: string) {
    super(`no version ordering for ecosystem ${JSON.stringify(ecosystem)}`);
    this.name = 'UnsupportedEcosystem';
    this.ecosystem = ecosystem;
  }
}
