/** Synthetic KEV entries and catalogues, NVD CVE API 2.0 records and pages, in the sources' real formats. */

export const kevEntry = (index: number) => ({
  cveID: `CVE-2099-${String(10000 + index)}`,
  vendorProject: 'Examplesoft',
  product: `Gateway ${index}`,
  vulnerabilityName: `Examplesoft Gateway ${index} buffer overflow`,
  dateAdded: '2026-11-30',
  shortDescription: 'A synthetic entry for ingest tests.',
  requiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.',
  dueDate: '2026-12-21',
  knownRansomwareCampaignUse: 'Unknown',
  notes: '',
  cwes: ['CWE-120'],
});

export const catalogue = (entries: ReturnType<typeof kevEntry>[], count = entries.length) => ({
  title: 'CISA Catalog of Known Exploited Vulnerabilities',
  catalogVersion: '2026.11.30',
  dateReleased: '2026-11-30T17:00:00.000Z',
  count,
  vulnerabilities: entries,
});

const cpeMatch = (index: number) => ({
  vulnerable: true,
  criteria: `cpe:2.3:a:examplesoft:gateway_${index}:*:*:*:*:*:*:*:*`,
  versionEndExcluding: '14.1-8.50',
  matchCriteriaId: `00000000-0000-0000-0000-${String(index).padStart(12, '0')}`,
});

export function nvdCve(id: string, options: { configurations?: number; status?: string; lastModified?: string } = {}) {
  const configurations = options.configurations ?? 1;
  return {
    id,
    sourceIdentifier: 'secure@examplesoft.test',
    published: '2026-11-29T10:00:00.000',
    lastModified: options.lastModified ?? '2026-11-30T10:00:00.000',
    vulnStatus: options.status ?? (configurations > 0 ? 'Analyzed' : 'Awaiting Analysis'),
    descriptions: [{ lang: 'en', value: `Synthetic record ${id}.` }],
    metrics: {},
    configurations: configurations > 0 ? [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: Array.from({ length: configurations }, (_, i) => cpeMatch(i)) }] }] : [],
  };
}

export const nvdPage = (cves: unknown[], startIndex = 0, total = cves.length) => ({
  resultsPerPage: cves.length,
  startIndex,
  totalResults: total,
  format: 'NVD_CVE',
  version: '2.0',
  timestamp: '2026-11-30T12:00:00.000',
  vulnerabilities: cves.map((cve) => ({ cve })),
});
