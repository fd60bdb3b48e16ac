import type { AssetChange } from '../inventory/stream-import.ts';
import { rematchInventory } from '../match/rematch-inventory.ts';
import type { Repositories } from '../store/ports.ts';

/** What the re-matches of one import did, summed over its batches. */
export interface LocalRematchTotals {
  /** Changed assets handed to the re-match (an asset changed in two batches counts twice). */
  changedAssets: number;
  /** Exposures stored for the first time. */
  new: number;
  /** Earlier exposures whose asset no longer shows an affected version. */
  remediated: number;
  /** Components or versions that could not be decided (the first few). */
  problems: string[];
  problemCount: number;
}

const MAX_PROBLEMS = 20;

/**
 * The local stand-in for the deployed `Inventory Changed` -> InventoryRematch route: `onChanges` re-matches
 * each stored batch's changed assets against the intel already in the store, so an asset imported after
 * a CVE's intel gets its exposure (and a patched one has it remediated). Nothing is announced: the CLI
 * has no bus, as `forestall ingest` announces to nobody either.
 */
export function localRematch(deps: { repositories: Pick<Repositories, 'intel' | 'vulnerabilities' | 'assets' | 'exposures'>; now: () => Date }, tenant: string) {
  const totals: LocalRematchTotals = { changedAssets: 0, new: 0, remediated: 0, problems: [], problemCount: 0 };
  return {
    totals,
    async onChanges(changes: AssetChange[]): Promise<void> {
      const summary = await rematchInventory({ repositories: deps.repositories, publishEvents: async () => {}, now: deps.now }, { tenant, assets: changes });
      totals.changedAssets += changes.length;
      totals.new += summary.new;
      totals.remediated += summary.remediated;
      totals.problemCount += summary.problemCount;
      totals.problems.push(...summary.problems.slice(0, Math.max(0, MAX_PROBLEMS - totals.problems.length)));
    },
  };
}
