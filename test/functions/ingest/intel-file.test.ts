import { describe, expect, it } from 'vitest';
import { UnrecognisedIntelDocument, parseIntelDocument } from '../../../functions/ingest/intel-file.ts';
import { readIntelFixture } from './fixtures.ts';

const now = '2025-08-25T02:00:00.000Z';

describe('intel file detection', () => {
  it('reads the KEV catalogue', () => {
    const parsed = parseIntelDocument(readIntelFixture('known_exploited_vulnerabilities.json'), 'known_exploited_vulnerabilities.json', { now });
    expect(parsed.format).toBe('kev-catalogue');
    expect(parsed.vulnerabilities).toHaveLength(1404);
    expect(parsed.quarantined).toEqual([]);
    expect(parsed.vulnerabilities.find((v) => v.id === 'CVE-2023-4966')).toMatchObject({
      source: 'cisa-kev',
      kev: { vendorProject: 'Citrix', dateAdded: '2023-10-18', dueDate: '2023-11-08', knownRansomwareCampaignUse: 'Known', cwes: ['CWE-119'] },
    });
  });

  it('reads NVD CVE API 2.0 responses', () => {
    const page = parseIntelDocument(readIntelFixture('nvd/nvd-api2-response-page-38cves-vunnel.json'), 'page.json', { now });
    expect(page.format).toBe('nvd-api-response');
    expect(page.vulnerabilities).toHaveLength(38);
    expect(page.vulnerabilities.map((v) => v.id)).toContain('CVE-2023-5631');

    const single = parseIntelDocument(readIntelFixture('nvd/nvd-api2-response-CVE-2024-23113.json'), 'cve-2024-23113.json', { now });
    expect(single.format).toBe('nvd-api-response');
    expect(single.vulnerabilities[0]).toMatchObject({ id: 'CVE-2024-23113', source: 'nvd', nvd: { vulnStatus: 'Analyzed' } });
    expect(single.vulnerabilities[0]?.nvd?.description).toMatch(/^A use of externally-controlled format string/);
  });

  it('reads single NVD cve records, with or without configurations', () => {
    const citrix = parseIntelDocument(readIntelFixture('nvd/CVE-2023-4966.json'), 'CVE-2023-4966.json', { now });
    expect(citrix.format).toBe('nvd-cve');
    expect(citrix.vulnerabilities[0]?.nvd?.configurations.length).toBeGreaterThan(0);
    expect(citrix.vulnerabilities[0]?.nvd?.cvss.every((c) => c.version === '3.1')).toBe(true);

    const panOs = parseIntelDocument(readIntelFixture('nvd/CVE-2024-3400.json'), 'CVE-2024-3400.json', { now });
    expect(panOs.vulnerabilities[0]?.nvd).toMatchObject({ vulnStatus: 'Awaiting Analysis', configurations: [] });
    expect(panOs.vulnerabilities[0]?.nvd?.cvss).toEqual([
      { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, baseSeverity: 'CRITICAL', source: 'psirt@paloaltonetworks.com', type: 'Secondary' },
    ]);
  });

  it('quarantines a broken record inside an NVD response and keeps the rest', () => {
    const page = readIntelFixture('nvd/nvd-api2-response-page-38cves-vunnel.json') as { vulnerabilities: Array<{ cve: Record<string, unknown> }> };
    delete page.vulnerabilities[2]!.cve.published;
    const parsed = parseIntelDocument(page, 'page.json', { now, tenant: 'acme' });
    expect(parsed.vulnerabilities).toHaveLength(37);
    expect(parsed.quarantined).toEqual([
      expect.objectContaining({
        tenant: 'acme',
        source: 'nvd',
        record: page.vulnerabilities[2]!.cve.id,
        reason: 'vulnerabilities[2].cve.published: required field missing (expected string)',
        quarantinedAt: now,
      }),
    ]);
  });

  it('refuses a document of another shape, naming the file', () => {
    expect(() => parseIntelDocument({ bundle: [], type: 'report' }, 'junk.json')).toThrow(UnrecognisedIntelDocument);
    expect(() => parseIntelDocument({ bundle: [], type: 'report' }, 'junk.json')).toThrow(
      'junk.json: not a CISA KEV catalogue, an NVD CVE API 2.0 response or an NVD cve record (top-level fields: bundle, type)',
    );
    expect(() => parseIntelDocument([1, 2], 'list.json')).toThrow(/^list\.json: .*\(a JSON array\)/);
    expect(() => parseIntelDocument({ catalogVersion: 1, vulnerabilities: [] }, 'kev.json')).toThrow(/kev\.json: looks like a KEV catalogue.*catalogVersion/);
  });
});
