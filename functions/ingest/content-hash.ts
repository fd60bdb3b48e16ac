import { createHash } from 'node:crypto';
import type { KevFacts, NvdFacts, Vulnerability } from '../model/vulnerability.ts';

/** JSON with object keys sorted at every level and undefined members left out: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, member]) => member !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 of the canonical JSON of `value`. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** Hash of what KEV says about a CVE; compared on every poll to find the entries that changed. */
export function kevFactsHash(kev: KevFacts | undefined): string {
  return kev ? contentHash(kev).slice(0, 32) : '-';
}

function nvdPartHash(nvd: NvdFacts | undefined, enrichment: Vulnerability['enrichment']): string {
  // Without facts the enrichment state is the content: pending -> not-found must still be written.
  return nvd ? contentHash(nvd).slice(0, 32) : enrichment;
}

/**
 * The stored content hash of a vulnerability: one part per source, `kev=<hash>;nvd=<hash|state>`,
 * leaving out bookkeeping (updatedAt, sources, tenant). Per-source parts let a KEV poll compare only
 * the KEV part, so a record later enriched from NVD does not look changed to the next KEV poll.
 */
export function vulnerabilityContentHash(record: Pick<Vulnerability, 'kev' | 'nvd' | 'enrichment'>): string {
  return `kev=${kevFactsHash(record.kev)};nvd=${nvdPartHash(record.nvd, record.enrichment)}`;
}

/** The KEV part of a stored content hash, or undefined when the hash is not in that format. */
export function kevPartOf(storedHash: string): string | undefined {
  return /^kev=([^;]+);/.exec(storedHash)?.[1];
}
