import { z } from 'zod';
import { describeIssues } from '../../describe-issues.ts';
import type { IntelDraft, ParsedIntel, ParseContext, RejectedRecord } from '../../intel-draft.ts';
import { payloadExcerpt } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { KEV_SOURCE, KevCatalogueSchema, KevEntrySchema, kevFactsOf } from './kev-catalogue.ts';
import type { IntelSource } from '../../source-plugin.ts';
import { singleDownload } from '../single-download.ts';
import { enrichFromNvd, nvdClientFor } from '../nvd/nvd-enrichment.ts';

export const CISA_KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';

const KevSettingsSchema = z.object({
  url: z.string().min(1).default(CISA_KEV_URL),
  /** NVD lookups for entries new in this poll; the rest wait for the NVD source's backlog run. */
  nvdLookupsPerRun: z.coerce.number().int().min(0).max(1000).default(10),
  nvdApiUrl: z.string().optional(),
});

function parseJson(payload: string, source: string): unknown {
  try {
    return JSON.parse(payload);
  } catch (error) {
    throw new InvalidFeedDocument(`${source}: the catalogue is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The CISA KEV catalogue, whole. Its `count` must equal its entries, or the payload is refused (a
 * truncated download must not look like CISA removed 1,400 entries). A catalogue that checks out is
 * the complete list, so an entry CISA removes is revoked.
 */
export function parseKevCatalogue(payload: string, context: ParseContext): ParsedIntel {
  const json = parseJson(payload, context.source);
  const envelope = KevCatalogueSchema.safeParse(json);
  if (!envelope.success) throw new InvalidFeedDocument(`${context.source}: not a KEV catalogue: ${describeIssues(envelope.error.issues).join('; ')}`);
  const { count, vulnerabilities } = envelope.data;
  if (count !== vulnerabilities.length) {
    throw new InvalidFeedDocument(
      `${context.source}: count says ${count} entries but vulnerabilities holds ${vulnerabilities.length}; refusing a catalogue that disagrees with itself (truncated download?)`,
    );
  }
  const drafts: IntelDraft[] = [];
  const rejected: RejectedRecord[] = [];
  const seen = new Set<string>();
  vulnerabilities.forEach((raw, index) => {
    const position = `vulnerabilities[${index}]`;
    const rawId = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).cveID : undefined;
    const record = typeof rawId === 'string' && rawId ? rawId : position;
    const parsed = KevEntrySchema.safeParse(raw);
    if (!parsed.success) {
      rejected.push({ position, record, reason: describeIssues(parsed.error.issues, position).join('; '), payload: payloadExcerpt(raw) });
      return;
    }
    if (seen.has(parsed.data.cveID)) {
      rejected.push({ position, record, reason: `${position}.cveID: ${parsed.data.cveID} appears more than once in the catalogue; the first entry was kept`, payload: payloadExcerpt(raw) });
      return;
    }
    seen.add(parsed.data.cveID);
    drafts.push({ kind: 'vulnerability', id: parsed.data.cveID, facts: kevFactsOf(parsed.data) });
  });
  return { drafts, rejected, complete: true, version: envelope.data.catalogVersion };
}

export const cisaKevSource: IntelSource = {
  name: KEV_SOURCE,
  title: 'CISA Known Exploited Vulnerabilities catalogue',
  modes: ['scheduled', 'file'],
  detect: (payload) => /"catalogVersion"\s*:/.test(payload.slice(0, 4096)) && payload.includes('"vulnerabilities"'),
  parse: parseKevCatalogue,
  everyMinutes: 60,
  settingsSchema: KevSettingsSchema,
  secrets: ['NVD_API_KEY'],
  hosts: ['www.cisa.gov', 'services.nvd.nist.gov'],
  poll: (context) => singleDownload(context, KevSettingsSchema.parse(context.settings).url, 'catalogue.json'),
  // The 2am path: a CVE new to KEV is looked up in NVD at once, so its first announcement can be matched.
  async afterStore({ tenant, added, poll, deps, summary }) {
    const settings = KevSettingsSchema.parse(poll.settings);
    const nvd = await nvdClientFor(poll, settings.nvdApiUrl);
    await enrichFromNvd(deps, { tenant, ids: added, budget: settings.nvdLookupsPerRun, nvd, onlyMissing: true }, summary);
  },
};
