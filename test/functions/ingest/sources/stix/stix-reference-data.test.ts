import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft, ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument, parseStixBundle, STIX_SOURCE } from '../../../../../functions/ingest/sources/stix/stix-parser.ts';
import { IndicatorFactsSchema, indicatorId } from '../../../../../functions/model/indicator.ts';
import { referenceFile } from '../../../../reference-data.ts';

/** The OASIS STIX 2.1 examples (cti-documentation and cti-stix2-json-schemas), read as delivered. */

const folder = referenceFile('intel/stix21', 'STIX 2.1 example bundles');
const context = { source: STIX_SOURCE, now: '2025-08-25T12:00:00.000Z' };
const parseFile = (path: string): ParsedIntel => parseStixBundle(readFileSync(join(folder as string, path), 'utf8'), context);
const indicator = (parsed: ParsedIntel, type: Parameters<typeof indicatorId>[0], value: string) =>
  parsed.drafts.find((draft): draft is IndicatorIntelDraft => draft.kind === 'indicator' && draft.id === indicatorId(type, value));
const summary = (parsed: ParsedIntel) => ({ drafts: parsed.drafts.length, rejected: parsed.rejected.map((rejected) => rejected.reason) });

describe.skipIf(!folder)('STIX 2.1 examples', () => {
  const bundles = ['cti-documentation-examples', 'examples', 'examples/threat-reports'].flatMap((sub) =>
    readdirSync(join(folder as string, sub))
      .filter((name) => name.endsWith('.json'))
      .map((name) => `${sub}/${name}`),
  );

  it('reads every bundle, and refuses the one file that is a lone object', () => {
    expect(bundles).toHaveLength(17);
    const outcomes = Object.fromEntries(
      bundles.map((path) => {
        try {
          const parsed = parseFile(path);
          for (const draft of parsed.drafts) if (draft.kind === 'indicator') IndicatorFactsSchema.strict().parse(draft.facts);
          return [path, summary(parsed).drafts];
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidFeedDocument);
          return [path, 'refused'];
        }
      }),
    );
    expect(outcomes).toEqual({
      'cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json': 0,
      'cti-documentation-examples/identifying-a-threat-actor-profile.json': 0,
      'cti-documentation-examples/indicator-for-malicious-url.json': 1,
      'cti-documentation-examples/malware-indicator-for-file-hash.json': 1,
      'cti-documentation-examples/sighting-of-an-indicator.json': 1,
      'cti-documentation-examples/sighting-of-observed-data.json': 0,
      'cti-documentation-examples/threat-actor-leveraging-attack-patterns-and-malware.json': 0,
      'cti-documentation-examples/using-granular-markings.json': 0,
      'cti-documentation-examples/using-marking-definitions.json': 1,
      'examples/indicator-for-c2-ip-address.json': 1,
      'examples/indicator-to-campaign-relationship.json': 1,
      'examples/indicators-for-C2-with-COA.json': 2,
      'examples/infrastructure.json': 0,
      // A campaign object on its own, not in a bundle.
      'examples/interop-objectmarking-test.json': 'refused',
      'examples/malicious-email-indicator-with-attachment.json': 0,
      'examples/threat-reports/apt1.json': 10,
      'examples/threat-reports/poisonivy.json': 48,
    });
  });

  it('indicator-for-c2-ip-address: the address 10.0.0.0 and its STIX id', () => {
    const parsed = parseFile('examples/indicator-for-c2-ip-address.json');
    expect(parsed.drafts).toEqual([
      {
        kind: 'indicator',
        id: indicatorId('ipv4', '10.0.0.0'),
        aliases: ['indicator--33fe3b22-0201-47cf-85d0-97c02164528d'],
        facts: {
          type: 'ipv4',
          value: '10.0.0.0',
          firstSeen: '2014-05-08T09:00:00.000Z',
          validFrom: '2014-05-08T09:00:00.000000Z',
          tags: ['malicious-activity'],
          campaigns: [],
          targetedSectors: [],
          targetedRegions: [],
          sourceRecordId: 'indicator--33fe3b22-0201-47cf-85d0-97c02164528d',
        },
      },
    ]);
  });

  it('indicator-to-campaign-relationship: the indicator is tied to Operation Omega', () => {
    const draft = indicator(parseFile('examples/indicator-to-campaign-relationship.json'), 'ipv4', '10.0.0.0');
    expect(draft?.facts.campaigns).toEqual(['Operation Omega']);
    expect(draft?.facts.sourceRecordId).toBe('indicator--c43a0a05-e8d2-4f64-ae37-3f3fb153f8d9');
  });

  it('the file hash and URL examples name the malware they indicate', () => {
    const hash = indicator(parseFile('cti-documentation-examples/malware-indicator-for-file-hash.json'), 'sha256', 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c');
    expect(hash?.facts).toMatchObject({ malwareFamily: 'Poison Ivy', validFrom: '2014-02-20T09:00:00Z' });
    const url = indicator(parseFile('cti-documentation-examples/indicator-for-malicious-url.json'), 'url', 'http://x4z9arb.cn/4712/');
    expect(url?.facts.malwareFamily).toBe('x4z9arb backdoor');
    expect(url?.aliases).toEqual(['indicator--d81f86b9-975b-4c0b-875e-810c5ad45a4f']);
  });

  it('using-marking-definitions: TLP:AMBER from the marking ref', () => {
    expect(indicator(parseFile('cti-documentation-examples/using-marking-definitions.json'), 'ipv4', '10.0.0.0')?.facts.tlp).toBe('amber');
  });

  it('refuses the patterns that are conditions, naming the object', () => {
    expect(summary(parseFile('examples/malicious-email-indicator-with-attachment.json')).rejected).toEqual([
      'objects[2].pattern: not a plain list of values: email-message:subject is not a path forestall matches on',
      'objects[3].pattern: not a plain list of values: email-message:body_multipart[*].body_raw_ref.name is not a path forestall matches on',
    ]);
    expect(summary(parseFile('cti-documentation-examples/using-granular-markings.json')).rejected).toEqual([
      'objects[1].pattern: not a plain list of values: MATCHES on email-message:from_ref.value',
    ]);
  });

  it('APT1: four HTRAN CIDR blocks, three Ugly Gorilla domains, three MD5s; the certificates refused', () => {
    const parsed = parseFile('examples/threat-reports/apt1.json');
    const facts = parsed.drafts.map((draft) => (draft as IndicatorIntelDraft).facts);
    expect(facts.map((f) => [f.type, f.value])).toEqual([
      ['cidr', '223.166.0.0/15'],
      ['cidr', '58.246.0.0/15'],
      ['cidr', '112.64.0.0/15'],
      ['cidr', '139.226.0.0/15'],
      ['domain', 'hugesoft.org'],
      ['domain', 'arrowservice.net'],
      ['domain', 'msnhome.org'],
      ['md5', '001dd76872d80801692ff942308c64e6'],
      ['md5', '002325a0a67fded0381b5648d7fe9b8e'],
      ['md5', '00dbb9e1c09dbdafb360f3163ba5a3de'],
    ]);
    expect(facts[0]?.malwareFamily).toBe('HUC Packet Transmit Tool (HTRAN)');
    // Ugly Gorilla is attributed to people (identities), which are no campaign names.
    expect(facts[4]?.campaigns).toEqual(['Ugly Gorilla']);
    expect(summary(parsed).rejected).toEqual([
      'objects[20].pattern: not a plain list of values: comparisons joined with AND that no file hash identifies',
      'objects[21].pattern: not a plain list of values: comparisons joined with AND that no file hash identifies',
    ]);
  });

  it('Poison Ivy: 42 indicators and 6 CVEs tied to their campaigns; a shared C2 address merged', () => {
    const parsed = parseFile('examples/threat-reports/poisonivy.json');
    expect(parsed.drafts.filter((draft) => draft.kind === 'indicator')).toHaveLength(42);
    expect(parsed.drafts.filter((draft) => draft.kind === 'vulnerability').map((draft) => [draft.id, (draft.facts as { campaigns: string[] }).campaigns])).toEqual([
      ['CVE-2012-0158', ['admin@338']],
      ['CVE-2009-4324', ['admin@338']],
      ['CVE-2013-0422', ['th3bug']],
      ['CVE-2013-1347', ['th3bug']],
      ['CVE-2011-3544', ['th3bug']],
      ['CVE-2010-3333', ['menuPass']],
    ]);
    const shared = indicator(parsed, 'ipv4', '60.2.148.167');
    expect(shared?.aliases).toEqual([
      'indicator--2efe7c62-1b96-4568-81ee-c85b840bde39',
      'indicator--b8322c9b-8031-4fb3-9cbc-8a1ea0fe3cfa',
      'indicator--b08f9631-dd94-4d99-a96c-32b42af2ea81',
      'indicator--950c01b8-c647-4cc8-b0c1-3612fa780108',
    ]);
    expect(shared?.facts.campaigns).toEqual(['menuPass']);
    expect(indicator(parsed, 'ipv4', '219.76.208.163')?.facts.campaigns).toEqual(['admin@338']);
    expect(summary(parsed).rejected).toEqual([
      'objects[42].pattern: "domain autuo.xicp.net" is not a domain name',
      'objects[43].pattern: not a plain list of values: file:name is not a path forestall matches on',
      'objects[57].pattern: not a plain list of values: file:name is not a path forestall matches on',
    ]);
    // The malformed domain's alternative, an address, still stands.
    expect(indicator(parsed, 'ipv4', '60.10.1.115')?.aliases).toEqual(['indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40']);
  });
});
