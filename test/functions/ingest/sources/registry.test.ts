import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ParsedIntel } from '../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../functions/ingest/invalid-feed-document.ts';
import { detectSource, INTEL_SOURCES, intelSource } from '../../../../functions/ingest/sources/registry.ts';
import type { NvdFacts } from '../../../../functions/model/vulnerability.ts';
import { referenceFile } from '../../../reference-data.ts';
import { intelFixturePath, KEV_CATALOGUE_ENTRIES, KEV_CATALOGUE_FIXTURE, NVD_PAGE_ENTRIES, NVD_PAGE_FIXTURE, NVD_RESPONSE_FIXTURE } from '../fixtures.ts';

const now = '2025-08-25T02:00:00.000Z';

/** Detects the source from the text, as `scan --intel` and the webhook do, and parses with it. */
function read(text: string): { source: string; parsed: ParsedIntel } {
  const source = detectSource(text);
  if (!source) throw new Error('no source detected');
  return { source: source.name, parsed: source.parse(text, { source: source.name, now }) };
}
const fixture = (name: string) => readFileSync(intelFixturePath(name), 'utf8');
const nvdOf = (parsed: ParsedIntel, index = 0) => parsed.drafts[index]?.facts as unknown as NvdFacts | undefined;

const CITRIX_BLEED_KEV = { kind: 'vulnerability', id: 'CVE-2023-4966', facts: { vendorProject: 'Citrix', dateAdded: '2023-10-18', dueDate: '2023-11-08', knownRansomwareCampaignUse: 'Known', cwes: ['CWE-119'] } };

describe('the source registry', () => {
  it('names every source once', () => {
    const names = INTEL_SOURCES.map((source) => source.name);
    expect(new Set(names).size).toBe(names.length);
    expect(() => intelSource('nope')).toThrow(/no intel source "nope"; sources: cisa-kev, nvd, /);
  });

  it('reads the KEV catalogue as a complete list', () => {
    const { source, parsed } = read(fixture(KEV_CATALOGUE_FIXTURE));
    expect(source).toBe('cisa-kev');
    expect(parsed.drafts).toHaveLength(KEV_CATALOGUE_ENTRIES);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.complete).toBe(true);
    expect(parsed.drafts.find((draft) => draft.id === 'CVE-2023-4966')).toMatchObject(CITRIX_BLEED_KEV);
  });

  it('reads NVD CVE API 2.0 responses', () => {
    const page = read(fixture(NVD_PAGE_FIXTURE));
    expect(page.source).toBe('nvd');
    expect(page.parsed.drafts).toHaveLength(NVD_PAGE_ENTRIES);
    expect(page.parsed.drafts.map((draft) => draft.id)).toContain('CVE-2023-5631');

    const single = read(fixture(NVD_RESPONSE_FIXTURE));
    expect(single.parsed.drafts[0]).toMatchObject({ id: 'CVE-2024-23113', facts: { vulnStatus: 'Analyzed' } });
    expect(nvdOf(single.parsed)?.description).toMatch(/^A use of externally-controlled format string/);
  });

  it('reads single NVD cve records, with or without configurations', () => {
    const citrix = read(fixture('nvd/CVE-2023-4966.json'));
    expect(citrix.source).toBe('nvd');
    expect(nvdOf(citrix.parsed)?.configurations.length).toBeGreaterThan(0);
    expect(nvdOf(citrix.parsed)?.cvss.every((c) => c.version === '3.1')).toBe(true);

    const panOs = read(fixture('nvd/CVE-2024-3400.json'));
    expect(nvdOf(panOs.parsed)).toMatchObject({ vulnStatus: 'Awaiting Analysis', configurations: [] });
    expect(nvdOf(panOs.parsed)?.cvss).toEqual([
      { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, baseSeverity: 'CRITICAL', source: 'psirt@paloaltonetworks.com', type: 'Secondary' },
    ]);
  });

  it('refuses a broken record inside an NVD response by its id and keeps the rest', () => {
    const page = JSON.parse(fixture(NVD_PAGE_FIXTURE)) as { vulnerabilities: Array<{ cve: Record<string, unknown> }> };
    delete page.vulnerabilities[2]!.cve.published;
    const { parsed } = read(JSON.stringify(page));
    expect(parsed.drafts).toHaveLength(11);
    expect(parsed.rejected).toEqual([
      expect.objectContaining({ position: 'vulnerabilities[2]', record: 'CVE-2099-2003', reason: 'vulnerabilities[2].cve.published: required field missing (expected string)' }),
    ]);
  });

  it('recognises no source in a document of another shape, and a source refuses its own broken envelope by name', () => {
    expect(detectSource(JSON.stringify({ bundle: [], type: 'report' }))).toBeUndefined();
    expect(detectSource('[1, 2]')).toBeUndefined();
    const kev = intelSource('cisa-kev');
    expect(() => kev.parse(JSON.stringify({ catalogVersion: 1, vulnerabilities: [] }), { source: 'cisa-kev', now })).toThrow(InvalidFeedDocument);
    expect(() => kev.parse(JSON.stringify({ catalogVersion: 1, vulnerabilities: [] }), { source: 'cisa-kev', now })).toThrow(/^cisa-kev: not a KEV catalogue: .*catalogVersion/);
  });
});

const realCatalogue = referenceFile('intel/known_exploited_vulnerabilities.json', 'source detection on the real KEV catalogue');
describe.skipIf(realCatalogue === undefined)('the real KEV catalogue 2025.08.25', () => {
  it('reads all 1,404 entries, refusing none', () => {
    const { source, parsed } = read(readFileSync(realCatalogue as string, 'utf8'));
    expect(source).toBe('cisa-kev');
    expect(parsed.drafts).toHaveLength(1404);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.complete).toBe(true);
    expect(parsed.drafts[0]?.id).toBe('CVE-2025-48384');
    expect(parsed.drafts.find((draft) => draft.id === 'CVE-2023-4966')).toMatchObject(CITRIX_BLEED_KEV);
  });
});

const realPage = referenceFile('intel/nvd/nvd-api2-response-page-38cves-vunnel.json', 'source detection on a real NVD response page');
const realResponse = referenceFile('intel/nvd/nvd-api2-response-CVE-2024-23113.json', 'source detection on a real NVD single-CVE response');
const realPanOs = referenceFile('intel/nvd/CVE-2024-3400.json', 'source detection on the real early NVD record of CVE-2024-3400');
describe.skipIf(realPage === undefined || realResponse === undefined || realPanOs === undefined)('real NVD CVE API 2.0 documents', () => {
  it('reads the 38-CVE page and refuses a broken record by its id', () => {
    const text = readFileSync(realPage as string, 'utf8');
    const { parsed } = read(text);
    expect(parsed.drafts).toHaveLength(38);
    expect(parsed.drafts.map((draft) => draft.id)).toContain('CVE-2023-5631');

    const page = JSON.parse(text) as { vulnerabilities: Array<{ cve: Record<string, unknown> }> };
    delete page.vulnerabilities[2]!.cve.published;
    const broken = read(JSON.stringify(page)).parsed;
    expect(broken.drafts).toHaveLength(37);
    expect(broken.rejected).toEqual([
      expect.objectContaining({ record: 'CVE-2023-45391', reason: 'vulnerabilities[2].cve.published: required field missing (expected string)' }),
    ]);
  });

  it('reads the FortiOS single-CVE response and the PAN-OS record awaiting analysis', () => {
    const single = read(readFileSync(realResponse as string, 'utf8')).parsed;
    expect(single.drafts[0]).toMatchObject({ id: 'CVE-2024-23113', facts: { vulnStatus: 'Analyzed' } });
    expect(nvdOf(single)?.description).toMatch(/^A use of externally-controlled format string/);

    const panOs = read(readFileSync(realPanOs as string, 'utf8')).parsed;
    expect(nvdOf(panOs)).toMatchObject({ vulnStatus: 'Awaiting Analysis', configurations: [] });
    expect(nvdOf(panOs)?.cvss.map((c) => [c.vectorString, c.baseScore])).toEqual([['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10]]);
  });
});
