import type { Asset, Software } from '../../model/asset.ts';
import type { FindingLedger } from '../../model/finding-ledger.ts';
import { canonicalJson } from '../../ingest/content-hash.ts';
import { softwareIdentity, type AssetPartial } from '../merge-asset.ts';
import type { FindingAsset, FindingEvidence } from './cloud-finding.ts';

/**
 * Why a ledger: the readers report a closed finding's packages as `absentSoftware`, and the merge would
 * take them off whatever put them there. That is wrong twice over: the inventory may list the same
 * package (a finding never wipes what an import put there), and another finding still open may report
 * it (Inspector keeps one finding per CVE, so one package often has several). The ledger remembers which
 * open findings report which software and which software findings alone introduced; a closed finding
 * then removes a package only when findings introduced it and no open finding still reports it.
 */

/** A finding is open unless Inspector CLOSED it or Security Hub ARCHIVED it (SUPPRESSED still names installed software). */
export const isOpenFinding = (evidence: Pick<FindingEvidence, 'status'>) => evidence.status !== 'CLOSED' && evidence.status !== 'ARCHIVED';

const softwareOf = (identity: string): Software => (identity.startsWith('cpe:') ? { cpe: identity } : { purl: identity });

/**
 * A finding's key in the ledger: its source and id. Security Hub imports Inspector's findings under the
 * same id, and the two may read a package differently (ASFF names no platform), so each source's view is
 * kept apart; otherwise every delivery from one would take off what the other reported, and back again.
 */
export const ledgerFindingKey = (evidence: Pick<FindingEvidence, 'source' | 'finding'>) => `${evidence.source}:${evidence.finding}`;

/** An empty ledger for an asset no finding has reported on yet. */
export const emptyLedger = (tenant: string, assetId: string): FindingLedger => ({ tenant, assetId, findings: {}, introduced: [], version: 0 });

export interface LedgerPlan {
  /** The reader's partial with `absentSoftware` replaced by what the ledger allows to remove. */
  partial: AssetPartial;
  /**
   * The ledger to write before the asset (same version as read; the repository bumps it). It still
   * counts the `removed` identities as introduced, so a retry after a failed asset write removes them again.
   */
  ledger: FindingLedger;
  /** The ledger differs from the stored one, so it must be written. */
  ledgerChanged: boolean;
  /** Identities taken off the asset: once the asset is written, `settleLedger` drops them from the ledger. */
  removed: string[];
}

/**
 * Folds one asset's findings (a reader's `FindingAsset`, its id already the stored asset's) into the
 * asset's ledger and decides what may be removed:
 * - an open finding records the identities it reports now (replacing what it reported before: a package
 *   moved to another version drops the old one); those the stored asset did not list are `introduced`;
 * - a closed finding is dropped from the ledger;
 * - an identity findings introduced that no open finding reports any more is removed (unless the
 *   reading itself lists it). This is decided from the ledger's state, not from this event's changes, so
 *   a retry after an interrupted write (ledger written, asset not) decides the same removal again.
 * `introduced` is first cut to what the stored asset still lists: if an import replaced the software
 * since, the import's list is the truth and findings start over from it.
 */
export function planFindingMerge(stored: Asset | undefined, ledger: FindingLedger, reading: FindingAsset): LedgerPlan {
  const onAsset = new Set((stored?.software ?? []).map(softwareIdentity));
  const findings: Record<string, string[]> = { ...ledger.findings };
  const introduced = new Set(ledger.introduced.filter((identity) => onAsset.has(identity)));

  // One finding may appear several times (several vulnerabilities in one ASFF finding); open wins, as in the readers.
  const byFinding = new Map<string, { open: boolean; identities: Set<string> }>();
  for (const evidence of reading.evidence) {
    const key = ledgerFindingKey(evidence);
    const entry = byFinding.get(key) ?? { open: false, identities: new Set<string>() };
    entry.open ||= isOpenFinding(evidence);
    for (const pkg of evidence.packages) entry.identities.add(softwareIdentity({ purl: pkg.purl }));
    byFinding.set(key, entry);
  }

  for (const [finding, { open, identities }] of byFinding) {
    if (open) {
      // Every package of the finding quarantined: it says nothing, so what it reported before stands.
      if (identities.size === 0) continue;
      findings[finding] = [...identities].sort();
      for (const identity of identities) if (!onAsset.has(identity)) introduced.add(identity);
    } else {
      delete findings[finding];
    }
  }
  const stillReported = new Set(Object.values(findings).flat());
  const present = new Set((reading.partial.software ?? []).map(softwareIdentity));
  const removed = [...introduced].filter((identity) => !stillReported.has(identity) && !present.has(identity)).sort();

  const { absentSoftware: _readerAbsent, ...partial } = reading.partial;
  const next: FindingLedger = { ...ledger, findings, introduced: [...introduced].sort() };
  return {
    partial: removed.length > 0 ? { ...partial, absentSoftware: removed.map(softwareOf) } : partial,
    ledger: next,
    ledgerChanged: ledgerContent(next) !== ledgerContent(ledger),
    removed,
  };
}

const ledgerContent = (value: FindingLedger) => canonicalJson({ findings: value.findings, introduced: [...value.introduced].sort() });

/**
 * The ledger once the asset no longer lists `removed` (written after the asset), or undefined when
 * nothing was removed. Were this write lost, the next reading would drop them anyway (the asset no longer lists them).
 */
export function settleLedger(written: FindingLedger, removed: readonly string[]): FindingLedger | undefined {
  if (removed.length === 0) return undefined;
  const gone = new Set(removed);
  return { ...written, introduced: written.introduced.filter((identity) => !gone.has(identity)) };
}
