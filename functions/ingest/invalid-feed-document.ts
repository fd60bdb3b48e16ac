/**
 * A payload that is not the source's format at all (as opposed to one with some bad records, which are
 * quarantined one by one). The message names the source and what is wrong; nothing of it is stored.
 */
export class InvalidFeedDocument extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidFeedDocument';
  }
}
