import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnrecognisedIntelDocument, parseIntelDocument } from '../../../functions/ingest/intel-file.ts';
import { referenceFile } from '../../reference-data.ts';
import { KEV_CATALOGUE_ENTRIES, KEV_CATALOGUE_FIXTURE, NVD_PAGE_ENTRIES, NVD_PAGE_FIXTURE, NVD_RESPONSE_FIXTURE, readIntelFixture } from './fixtures.ts';

const now = '2025-08-25T02:00:00.000Z';
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

const CITRIX_BLEED_KEV = { source: 'cisa-kev', kev: { vendorProject: 'Citrix', dateAdded: '2023-10-18', dueDate: '2023-11-08', knownRansomwareCampaignUse: 'Known', cwes: ['CWE-119'] } };

describe('intel file detection', () => {
  it('reads the KEV catalogue', () => {
    const parsed = parseIntelDocument(readIntelFixture(KEV_CATALOGUE_FIXTURE), KEV_CATALOGUE_FIXTURE, { now });
    expect(parsed.format).toBe('kev-catalogue');
    expect(parsed.vulnerabilities).toHaveLength(KEV_CATALOGUE_ENTRIES);
    expect(parsed.quarantined).toEqual([]);
    expect(parsed.vulnerabilities.find((v) => v.id === 'CVE-2023-4966')).toMatchObject(CITRIX_BLEED_KEV);
  });

  it('reads NVD CVE API 2.0 responses', () => {
    const page = parseIntelDocument(readIntelFixture(NVD_PAGE_FIXTURE), 'page.json', { now });
    expect(page.format).toBe('nvd-api-response');
    expect(page.vulnerabilities).toHaveLength(NVD_PAGE_ENTRIES);
    expect(page.vulnerabilities.map((v) => v.id)).toContain('CVE-2023-5631');

    const single = parseIntelDocument(readIntelFixture(NVD_RESPONSE_FIXTURE), 'cve-2024-23113.json', { now });
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
    const page = readIntelFixture(NVD_PAGE_FIXTURE) as { vulnerabilities: Array<{ cve: Record<string, unknown> }> };
    delete page.vulnerabilities[2]!.cve.published;
    const parsed = parseIntelDocument(page, 'page.json', { now, tenant: 'acme' });
    expect(parsed.vulnerabilities).toHaveLength(11);
    expect(parsed.quarantined).toEqual([
      expect.objectContaining({
        tenant: 'acme',
        source: 'nvd',
        record: 'CVE-2099-2003',
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

const realCatalogue = referenceFile('intel/known_exploited_vulnerabilities.json', 'intel file detection on the real KEV catalogue');
describe.skipIf(realCatalogue === undefined)('intel file detection on the real KEV catalogue 2025.08.25', () => {
  it('reads all 1,404 entries, quarantining none', () => {
    const parsed = parseIntelDocument(readJson(realCatalogue as string), 'known_exploited_vulnerabilities.json', { now });
    expect(parsed.format).toBe('kev-catalogue');
    expect(parsed.vulnerabilities).toHaveLength(1404);
    expect(parsed.quarantined).toEqual([]);
    expect(parsed.vulnerabilities[0]?.id).toBe('CVE-2025-48384');
    expect(parsed.vulnerabilities.find((v) => v.id === 'CVE-2023-4966')).toMatchObject(CITRIX_BLEED_KEV);
  });
});

const realPage = referenceFile('intel/nvd/nvd-api2-response-page-38cves-vunnel.json', 'intel file detection on a real NVD response page');
const realResponse = referenceFile('intel/nvd/nvd-api2-response-CVE-2024-23113.json', 'intel file detection on a real NVD single-CVE response');
const realPanOs = referenceFile('intel/nvd/CVE-2024-3400.json', 'intel file detection on the real early NVD record of CVE-2024-3400');
describe.skipIf(realPage === undefined || realResponse === undefined || realPanOs === undefined)('intel file detection on real NVD CVE API 2.0 documents', () => {
  it('reads the 38-CVE page and quarantines a broken record by its id', () => {
    const page = readJson(realPage as string) as { vulnerabilities: Array<{ cve: Record<string, unknown> }> };
    const parsed = parseIntelDocument(page, 'page.json', { now });
    expect(parsed.vulnerabilities).toHaveLength(38);
    expect(parsed.vulnerabilities.map((v) => v.id)).toContain('CVE-2023-5631');

    delete page.vulnerabilities[2]!.cve.published;
    const broken = parseIntelDocument(page, 'page.json', { now, tenant: 'acme' });
    expect(broken.vulnerabilities).toHaveLength(37);
    expect(broken.quarantined).toEqual([
      expect.objectContaining({ record: 'CVE-2023-45391', reason: 'vulnerabilities[2].cve.published: required field missing (expected string)' }),
    ]);
  });

  it('reads the FortiOS single-CVE response and the PAN-OS record awaiting analysis', () => {
    const single = parseIntelDocument(readJson(realResponse as string), 'cve-2024-23113.json', { now });
    expect(single.vulnerabilities[0]).toMatchObject({ id: 'CVE-2024-23113', source: 'nvd', nvd: { vulnStatus: 'Analyzed' } });
    expect(single.vulnerabilities[0]?.nvd?.description).toMatch(/^A use of externally-controlled format string/);

    const panOs = parseIntelDocument(readJson(realPanOs as string), 'CVE-2024-3400.json', { now });
    expect(panOs.vulnerabilities[0]?.nvd).toMatchObject({ vulnStatus: 'Awaiting Analysis', configurations: [] });
    expect(panOs.vulnerabilities[0]?.nvd?.cvss.map((c) => [c.vectorString, c.baseScore])).toEqual([['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10]]);
  });
});
