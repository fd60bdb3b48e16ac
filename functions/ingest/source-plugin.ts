import type { z } from 'zod';
import type { SourceFacts } from '../model/intel-record.ts';
import type { SourceCursor } from '../model/source-cursor.ts';
import type { IngestDeps, IngestSummary } from './ingest-runner.ts';
import type { ParseContext, ParsedIntel } from './intel-draft.ts';

/**
 * An intel source is one folder under `functions/ingest/sources/<name>/` exporting an IntelSource,
 * plus one line in `functions/ingest/sources/registry.ts`. The runner (`ingest-runner.ts`) does the
 * rest the same way for every source: archive the raw payload, quarantine refused records, write only
 * what changed, announce every stored change at least once, and move the cursor page by page.
 */

/** One payload a poll fetched, and where the source stands once it is stored. */
export interface PolledPage {
  /** The raw payload (text; gzip already undone); absent when the server said nothing changed. */
  payload?: string;
  /** Validators and position to keep for the next poll once this page is stored. */
  cursor: Partial<Pick<SourceCursor, 'etag' | 'lastModified' | 'position' | 'catalogVersion'>>;
  /** A name for the archived copy (`catalogue`, `page-2000`); the runner adds source and time. */
  label: string;
}

/** What a poll gets from the runner. */
export interface PollContext {
  tenant: string;
  /** Where the last stored page left the source (undefined on the first poll). */
  cursor: SourceCursor | undefined;
  /** The source's settings (URLs, collection ids), checked by its `settingsSchema`. */
  settings: Record<string, unknown>;
  /** Reads a secret the source declared (API keys, TAXII passwords); undefined when not configured. */
  secret(name: string): Promise<string | undefined>;
  fetch: typeof fetch;
  now(): Date;
  /** Waits (rate limits); tests pass a simulated clock. */
  sleep(ms: number): Promise<void>;
  /** Stop fetching further pages when this returns true (the function's time budget is nearly spent). */
  shouldStop(): boolean;
  log(level: 'info' | 'warn', message: string, detail?: Record<string, unknown>): void;
}

export type SourceMode = 'scheduled' | 'webhook' | 'file';

export interface IntelSource {
  /** Source name: the facts' key, the cursor's and the quarantine's (`cisa-kev`, `threatfox`). */
  name: string;
  title: string;
  modes: readonly SourceMode[];
  /** True when this payload is the source's format (used by `scan --intel` and `ingest --file`). */
  detect(payload: string): boolean;
  parse(payload: string, context: ParseContext): ParsedIntel;
  /** Scheduled sources: the pages to fetch from the cursor on. */
  poll?(context: PollContext): AsyncIterable<PolledPage>;
  /** How often the stack runs the poll, in minutes. */
  everyMinutes?: number;
  settingsSchema?: z.ZodType<Record<string, unknown>>;
  /** Secrets the source reads (Secrets Manager in the stack, env or files locally), all optional. */
  secrets?: readonly string[];
  /** Hosts the poll calls, for the docs and the egress review. */
  hosts?: readonly string[];
  /** Runs after a page's records are stored and before they are announced (KEV: look new CVEs up in NVD). */
  afterStore?(context: SourceWorkContext & { added: readonly string[] }): Promise<void>;
  /** Runs once after the pages of a poll (NVD: work through the lookups that are due). */
  afterPoll?(context: SourceWorkContext): Promise<void>;
  /** Bookkeeping the source keeps on its own rows (NVD: whether the CVE still awaits analysis). */
  decorate?(row: SourceFacts, now: Date): SourceFacts;
}

export interface SourceWorkContext {
  tenant: string;
  poll: PollContext;
  deps: IngestDeps;
  summary: IngestSummary;
}
