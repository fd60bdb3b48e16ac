import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectSource, INTEL_SOURCES } from '../../../../../functions/ingest/sources/registry.ts';
import { intelFixturePath, KEV_CATALOGUE_FIXTURE, NVD_PAGE_FIXTURE, NVD_RESPONSE_FIXTURE } from '../../fixtures.ts';
import { asJsonLines as cve5JsonLines, cve5Record, cve5Records } from '../cve5-adp/fixtures.ts';
import { epssApiPage, epssDailyCsv } from '../epss/fixtures.ts';
import { feodoBlocklistText, feodoJson } from '../feodo/fixtures.ts';
import { mispEvent, mispEventBody, mispRestResponse, mixedMispEvent } from '../misp/fixtures.ts';
import { asApiPage, asJsonArray, osvRecords } from '../osv/fixtures.ts';
import { bundle, bundleText, indicatorBundle, taxiiEnvelope, vulnerability } from '../stix/fixtures.ts';
import { threatfoxApiAnswer, threatfoxExport } from '../threatfox/fixtures.ts';
import { urlhausCsv } from '../urlhaus/fixtures.ts';
import { forestallIntel, forestallIntelText } from './fixtures.ts';

/**
 * A pushed or filed payload goes to the source whose format it is (the webhook and `ingest --file` do
 * not ask): each fixture must be claimed by exactly the source that reads it, and by no other.
 */

const stixObjects = indicatorBundle({ count: 5 }).objects as unknown[];

const FIXTURES: ReadonlyArray<readonly [name: string, source: string, payload: string]> = [
  ['KEV catalogue', 'cisa-kev', readFileSync(intelFixturePath(KEV_CATALOGUE_FIXTURE), 'utf8')],
  ['NVD response page', 'nvd', readFileSync(intelFixturePath(NVD_PAGE_FIXTURE), 'utf8')],
  ['NVD single-CVE response', 'nvd', readFileSync(intelFixturePath(NVD_RESPONSE_FIXTURE), 'utf8')],
  ['NVD cve record', 'nvd', readFileSync(intelFixturePath('nvd/CVE-2023-4966.json'), 'utf8')],
  ['CVE 5 record', 'cisa-adp', JSON.stringify(cve5Record())],
  ['CVE 5 records as JSON lines', 'cisa-adp', cve5JsonLines(cve5Records(3))],
  ['EPSS daily CSV', 'epss', epssDailyCsv()],
  ['EPSS API page', 'epss', epssApiPage()],
  ['OSV records', 'osv', asJsonArray(osvRecords({ count: 3 }))],
  ['OSV API page', 'osv', asApiPage(osvRecords({ count: 3 }))],
  ['STIX bundle', 'stix', bundleText(stixObjects)],
  ['STIX bundle of a vulnerability', 'stix', JSON.stringify(bundle([vulnerability('CVE-2023-4966')]))],
  ['TAXII envelope of STIX objects', 'stix', JSON.stringify(taxiiEnvelope(stixObjects, { more: true, next: 'page-2' }))],
  ['MISP event', 'misp', JSON.stringify(mixedMispEvent())],
  ['MISP REST answer', 'misp', JSON.stringify(mispRestResponse([mispEvent(), mixedMispEvent()]))],
  ['MISP event without its wrapper', 'misp', JSON.stringify(mispEventBody())],
  ['ThreatFox export', 'threatfox', threatfoxExport({ count: 3 })],
  ['ThreatFox API answer', 'threatfox', threatfoxApiAnswer({ count: 3 })],
  ['URLhaus CSV', 'urlhaus', urlhausCsv({ count: 3 })],
  ['Feodo Tracker JSON', 'feodo', feodoJson({ count: 3 })],
  ['forestall intel/1', 'forestall-json', forestallIntelText()],
  ['forestall intel/1, pretty-printed, version last', 'forestall-json', JSON.stringify({ indicators: forestallIntel().indicators, forestall: 'intel/1' }, null, 2)],
  ['forestall intel/1 with vulnerabilities only', 'forestall-json', forestallIntelText({ forestall: 'intel/1', vulnerabilities: [{ id: 'CVE-2023-4966', exploited: true }] })],
  ['forestall intel/1 naming Feodo and URLhaus', 'forestall-json', forestallIntelText({ forestall: 'intel/1', indicators: [{ type: 'ipv4', value: '203.0.113.1', malwareFamily: 'Feodo', tags: ['URLhaus'] }] })],
  ['MISP event tagged URLhaus and Feodo', 'misp', JSON.stringify(mispEvent({ tags: ['source:URLhaus', 'malware:Feodo'] }))],
  ['Feodo Tracker plain block list', 'feodo', feodoBlocklistText(['198.51.100.9'])],
  ['URLhaus CSV without its comment banner', 'urlhaus', urlhausCsv({ count: 3 }).split('\n').filter((line) => !line.startsWith('#')).join('\n')],
  ['forestall document of a version not read', 'forestall-json', forestallIntelText({ forestall: 'intel/2', indicators: [] })],
];

const claimants = (payload: string) => INTEL_SOURCES.filter((source) => source.detect(payload)).map((source) => source.name);

describe('pushed formats are told apart by content', () => {
  it.each(FIXTURES)('%s goes to %s', (_name, expected, payload) => {
    expect(detectSource(payload)?.name).toBe(expected);
  });

  it('no two sources claim the same fixture', () => {
    const claims = FIXTURES.map(([name, , payload]) => [name, claimants(payload)] as const);
    expect(claims.filter(([, names]) => names.length !== 1)).toEqual([]);
  });

  it('the polled-only sources claim nothing: their payloads arrive pushed as stix and misp', () => {
    const polledOnly = INTEL_SOURCES.filter((source) => source.modes.length === 1 && source.modes[0] === 'scheduled').map((source) => source.name);
    expect(polledOnly).toEqual(expect.arrayContaining(['taxii', 'misp-feed']));
    for (const [, , payload] of FIXTURES) expect(claimants(payload).filter((name) => name === 'taxii' || name === 'misp-feed')).toEqual([]);
  });

  it('keeps stix before misp and forestall-json last, and names every source once', () => {
    const names = INTEL_SOURCES.map((source) => source.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.indexOf('stix')).toBeLessThan(names.indexOf('misp'));
    expect(names.at(-1)).toBe('forestall-json');
  });

  it('claims nothing for JSON of no known shape', () => {
    for (const payload of ['{}', '[]', JSON.stringify({ hello: 'world' }), JSON.stringify({ type: 'report', objects: [1] }), 'forestall intel/1']) {
      expect(claimants(payload), payload).toEqual([]);
    }
  });
});
