import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft } from '../../../../../functions/ingest/intel-draft.ts';
import { parseStixBundle } from '../../../../../functions/ingest/sources/stix/stix-parser.ts';
import { createTaxiiClient, type PolledObjectsPage, TAXII_SOURCE, VendorAuthFailed } from '../../../../../functions/ingest/sources/taxii/taxii-client.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { referenceFile } from '../../../../reference-data.ts';
import { type ServedApiRoot, startTaxiiServer, type TaxiiServer, type TaxiiServerData } from './taxii-server.ts';

/** The data the OASIS medallion reference server ships with, served by the loopback TAXII server. */

const file = referenceFile('intel/taxii21/medallion-default_data.json', 'TAXII client against the medallion reference data');

interface MedallionCollection {
  id: string;
  title: string;
  description?: string;
  can_read: boolean;
  can_write: boolean;
  media_types?: string[];
  objects?: Array<Record<string, unknown>>;
  manifest?: Array<{ id: string; version: string; date_added: string }>;
}
type MedallionData = Record<string, unknown> & {
  '/discovery': { title: string; description?: string; contact?: string; default?: string; api_roots: string[] };
};

/** Medallion's memory-backend file as loopback server data: each object dated by its manifest entry. */
function fromMedallion(data: MedallionData): TaxiiServerData {
  const rootName = (url: string) => new URL(url).pathname.split('/').filter(Boolean)[0] as string;
  const { api_roots: roots, default: defaultRoot, ...discovery } = data['/discovery'];
  const apiRoots = roots.map(rootName).map((name): ServedApiRoot => {
    const root = data[name] as { information: ServedApiRoot['information']; collections: MedallionCollection[] };
    return {
      name,
      information: root.information,
      collections: root.collections.map(({ objects = [], manifest = [], ...about }) => ({
        ...about,
        objects: objects.map((object) => {
          const version = (object.modified ?? object.created) as string;
          const entry = manifest.find((candidate) => candidate.id === object.id && candidate.version === version);
          return { object, dateAdded: entry?.date_added ?? '1970-01-01T00:00:00.000000Z' };
        }),
      })),
    };
  });
  return defaultRoot === undefined ? { discovery, apiRoots } : { discovery, defaultRoot: rootName(defaultRoot), apiRoots };
}

const HIGH_VALUE = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';

describe.skipIf(!file)('TAXII client on the medallion reference data', () => {
  let server: TaxiiServer;
  const client = createTaxiiClient({ fetch });
  beforeAll(async () => {
    server = await startTaxiiServer(fromMedallion(JSON.parse(readFileSync(file as string, 'utf8')) as MedallionData));
  });
  afterAll(async () => {
    await server.close();
  });

  it('discovers the three API roots and trustgroup1 as the default', async () => {
    const discovery = await client.discover(server.url);
    expect(discovery.title).toBe('Some TAXII Server');
    expect(discovery.api_roots).toEqual(['api1', 'api2', 'trustgroup1'].map((name) => server.apiRootUrl(name)));
    expect(discovery.default).toBe(server.apiRootUrl('trustgroup1'));
    expect((await client.apiRoot(server.apiRootUrl('trustgroup1'))).title).toBe('Malware Research Group');
  });

  it("lists trustgroup1's five collections", async () => {
    const collections = await client.collections(server.apiRootUrl('trustgroup1'));
    expect(collections.map((collection) => [collection.id, collection.can_read])).toEqual([
      ['472c94ae-3113-4e3e-a4dd-a9f4ac7471d4', false],
      ['365fed99-08fa-fdcd-a1b3-fb247eb41d01', true],
      [HIGH_VALUE, true],
      ['52892447-4d7e-4f70-b94d-d7f22742ff63', true],
      ['64993447-4d7e-4f70-b94d-d7f33742ee63', false],
    ]);
    expect(collections[2]?.title).toBe('High Value Indicator Collection');
  });

  it('polls the High Value Indicator Collection in pages of three and parses the whole poll', async () => {
    const pages: PolledObjectsPage[] = [];
    for await (const page of client.pollCollection(server.apiRootUrl('trustgroup1'), HIGH_VALUE, { limit: 3 })) pages.push(page);
    expect(pages.map((page) => page.envelope.objects?.length)).toEqual([3, 3, 2]);
    expect(pages.map((page) => page.dateAddedLast)).toEqual(['2016-11-03T12:30:59.001000Z', '2017-01-27T13:49:59.997000Z', '2017-12-31T13:49:53.935000Z']);
    expect(pages.at(-1)?.resumeFrom).toEqual({ addedAfter: '2017-12-31T13:49:53.935000Z' });

    // The relationship comes on page one and the malware on page two, so the poll is parsed as one envelope.
    const objects = pages.flatMap((page) => page.envelope.objects ?? []);
    const parsed = parseStixBundle(JSON.stringify({ objects }), { source: TAXII_SOURCE, now: '2025-08-25T00:00:00Z' });
    const drafts = parsed.drafts as IndicatorIntelDraft[];
    expect(drafts.map((draft) => [draft.id, draft.facts.value, draft.facts.malwareFamily])).toEqual([
      [indicatorId('sha256', 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c'), 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c', 'Poison Ivy'],
      // Of three versions, the one modified last (2017-01-27) wins.
      [indicatorId('url', 'http://x4z9arb.cn/4712'), 'http://x4z9arb.cn/4712', undefined],
    ]);
    expect(drafts[1]?.facts.validFrom).toBe('2016-11-03T12:30:59.000Z');
    // Medallion stores the 2018 malware version as STIX 2.0, without spec_version.
    expect(parsed.rejected.map((rejected) => [rejected.record, rejected.reason])).toEqual([
      ['malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec', 'objects[5].spec_version: required field missing (expected string)'],
    ]);
  });

  it('reads only what was added after a date', async () => {
    const page = await client.getObjects(server.apiRootUrl('trustgroup1'), HIGH_VALUE, { addedAfter: '2016-12-31T00:00:00Z' });
    expect((page.envelope.objects as Array<{ id: string }>).map((object) => object.id)).toEqual([
      'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
      'malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec',
      'malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec',
      'indicator--6770298f-0fd8-471a-ab8c-1c658a46574e',
    ]);
  });

  it('is refused a collection that cannot be read', async () => {
    await expect(client.getObjects(server.apiRootUrl('trustgroup1'), '472c94ae-3113-4e3e-a4dd-a9f4ac7471d4')).rejects.toBeInstanceOf(VendorAuthFailed);
  });
});
