/**
 * Errors the playbook's own steps throw, named so the state machine reports them by name (none of them
 * is worth retrying: they go straight to the failure notifier).
 */

/** A playbook step received input that does not match its schema; names the fields and the step. */
export class PlaybookInputInvalid extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlaybookInputInvalid';
  }
}

/** The vulnerability a playbook works on is not in the store, so patch state cannot be judged. */
export class VulnerabilityNotFound extends Error {
  constructor(tenant: string, id: string) {
    super(`vulnerability ${id} of tenant ${tenant} is not in the store`);
    this.name = 'VulnerabilityNotFound';
  }
}
