/**
 * Synthetic CVE JSON 5.1 records in the shape CISA's vulnrichment repository publishes: a CNA container,
 * the CVE Program container and CISA's ADP container with SSVC options and the KEV listing. The defaults
 * restate public facts of CVE-2024-3400 (PAN-OS GlobalProtect); ids, org ids and texts of other records
 * are made up.
 */

export type Json = Record<string, unknown>;

export interface CvssOptions {
  key: 'cvssV3_0' | 'cvssV3_1' | 'cvssV4_0';
  vectorString: string;
  baseScore: number;
  baseSeverity?: string;
}

export interface SsvcOptions {
  /** As CISA writes them, in either case: `Active`, `active`, `poc`, `none`. */
  exploitation: string;
  automatable: string;
  technicalImpact: string;
  timestamp?: string;
  version?: string;
}

export interface Cve5RecordOptions {
  cveId?: string;
  datePublished?: string;
  cnaShortName?: string;
  title?: string | null;
  descriptions?: { lang: string; value: string }[];
  cnaCvss?: CvssOptions[];
  /** CVSS CISA adds in its ADP container (when the CNA gave none). */
  adpCvss?: CvssOptions[];
  cnaCwes?: string[];
  adpCwes?: string[];
  /** null: CISA's container has no SSVC entry. */
  ssvc?: SsvcOptions | null;
  /** null: not in KEV. */
  kev?: { dateAdded: string; reference?: string } | null;
  /** false: no CISA-ADP container at all. */
  cisaAdp?: boolean;
}

const CVSS_3400: CvssOptions = {
  key: 'cvssV3_1',
  vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
  baseScore: 10,
  baseSeverity: 'CRITICAL',
};

const cvssMetric = ({ key, vectorString, baseScore, baseSeverity }: CvssOptions): Json => ({
  format: 'CVSS',
  [key]: { version: key.slice(5).replace('_', '.'), baseScore, vectorString, ...(baseSeverity === undefined ? {} : { baseSeverity }) },
  scenarios: [{ lang: 'en', value: 'GENERAL' }],
});

const problemTypes = (cwes: string[]): Json[] =>
  cwes.map((cweId) => ({ descriptions: [{ lang: 'en', type: 'CWE', cweId, description: `${cweId} weakness` }] }));

function cisaAdpContainer(options: Cve5RecordOptions, cveId: string): Json {
  const metrics: Json[] = [];
  const ssvc = options.ssvc === undefined ? { exploitation: 'Active', automatable: 'Yes', technicalImpact: 'Total' } : options.ssvc;
  if (ssvc !== null) {
    metrics.push({
      other: {
        type: 'ssvc',
        content: {
          id: cveId,
          role: 'CISA Coordinator',
          options: [{ Exploitation: ssvc.exploitation }, { Automatable: ssvc.automatable }, { 'Technical Impact': ssvc.technicalImpact }],
          version: ssvc.version ?? '2.0.3',
          timestamp: ssvc.timestamp ?? '2024-04-17T04:00:13.543064Z',
        },
      },
    });
  }
  const kev = options.kev === undefined ? { dateAdded: '2024-04-12' } : options.kev;
  if (kev !== null) {
    metrics.push({
      other: {
        type: 'kev',
        content: { dateAdded: kev.dateAdded, reference: kev.reference ?? `https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search_api_fulltext=${cveId}` },
      },
    });
  }
  metrics.push(...(options.adpCvss ?? []).map(cvssMetric));
  return {
    metrics,
    ...(options.adpCwes === undefined ? {} : { problemTypes: problemTypes(options.adpCwes) }),
    title: 'CISA ADP Vulnrichment',
    providerMetadata: { orgId: '134c704f-9b21-4f2e-91b3-4a467353bcc0', shortName: 'CISA-ADP', dateUpdated: '2024-05-01T15:37:18.613Z' },
  };
}

/** A PUBLISHED record; every part can be changed or left out through the options. */
export function cve5Record(options: Cve5RecordOptions = {}): Json {
  const cveId = options.cveId ?? 'CVE-2024-3400';
  const title =
    options.title === undefined ? 'PAN-OS: Arbitrary File Creation Leads to OS Command Injection Vulnerability in GlobalProtect' : options.title;
  const adp: Json[] = [
    {
      title: 'CVE Program Container',
      references: [{ url: `https://security.example.com/${cveId}`, tags: ['vendor-advisory', 'x_transferred'] }],
      providerMetadata: { orgId: 'af854a3a-2127-422b-91ae-364da2661108', shortName: 'CVE', dateUpdated: '2024-08-01T20:12:06.667Z' },
    },
  ];
  if (options.cisaAdp !== false) adp.push(cisaAdpContainer(options, cveId));
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId,
      assignerOrgId: 'd6c1279f-00f6-4ef7-9217-f89ffe703ec0',
      state: 'PUBLISHED',
      assignerShortName: options.cnaShortName ?? 'palo_alto',
      dateReserved: '2024-04-05T00:00:00.000Z',
      datePublished: options.datePublished ?? '2024-04-12T07:20:00.707Z',
      dateUpdated: '2024-08-01T20:12:06.667Z',
    },
    containers: {
      cna: {
        ...(title === null ? {} : { title }),
        affected: [{ vendor: 'Palo Alto Networks', product: 'PAN-OS', versions: [{ status: 'affected', version: '11.1.0', lessThan: '11.1.2-h3', versionType: 'custom' }], defaultStatus: 'unaffected' }],
        descriptions: options.descriptions ?? [
          {
            lang: 'en',
            value:
              'A command injection as a result of arbitrary file creation vulnerability in the GlobalProtect feature of Palo Alto Networks PAN-OS software may enable an unauthenticated attacker to execute arbitrary code with root privileges on the firewall.',
          },
        ],
        metrics: (options.cnaCvss ?? [CVSS_3400]).map(cvssMetric),
        problemTypes: problemTypes(options.cnaCwes ?? ['CWE-77', 'CWE-20']),
        references: [{ url: `https://security.example.com/${cveId}`, tags: ['vendor-advisory'] }],
        providerMetadata: { orgId: 'd6c1279f-00f6-4ef7-9217-f89ffe703ec0', shortName: options.cnaShortName ?? 'palo_alto', dateUpdated: '2024-05-29T16:44:13.000Z' },
      },
      adp,
    },
  };
}

/** A REJECTED record: the CNA's rejected container, no ADP. */
export function cve5RejectedRecord(options: { cveId?: string; dateRejected?: string | null; reason?: string; replacedBy?: string[] } = {}): Json {
  const cveId = options.cveId ?? 'CVE-2024-99001';
  const dateRejected = options.dateRejected === undefined ? '2024-06-03T12:00:00.000Z' : options.dateRejected;
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId,
      assignerOrgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca',
      state: 'REJECTED',
      assignerShortName: 'mitre',
      dateReserved: '2024-05-01T00:00:00.000Z',
      ...(dateRejected === null ? {} : { dateRejected }),
      dateUpdated: '2024-06-03T12:00:00.000Z',
    },
    containers: {
      cna: {
        rejectedReasons: [{ lang: 'en', value: options.reason ?? 'DO NOT USE THIS CANDIDATE NUMBER. Reason: This candidate was withdrawn by its CNA.' }],
        ...(options.replacedBy === undefined ? {} : { replacedBy: options.replacedBy }),
        providerMetadata: { orgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca', shortName: 'mitre', dateUpdated: '2024-06-03T12:00:00.000Z' },
      },
    },
  };
}

/** `count` records with distinct made-up ids, SSVC and KEV varying by index. */
export function cve5Records(count: number): Json[] {
  const exploitation = ['active', 'poc', 'none'];
  return Array.from({ length: count }, (_, index) =>
    cve5Record({
      cveId: `CVE-2024-${String(50_000 + index)}`,
      title: `Synthetic vulnerability ${index}`,
      ssvc: { exploitation: exploitation[index % 3]!, automatable: index % 2 === 0 ? 'yes' : 'no', technicalImpact: index % 5 === 0 ? 'partial' : 'total' },
      kev: index % 3 === 0 ? { dateAdded: '2024-09-16' } : null,
    }),
  );
}

/** One record per line, as bulk CVE exports give them. */
export const asJsonLines = (records: readonly unknown[]): string => `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
