import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPayload, type IngestDeps } from '../../../../../functions/ingest/ingest-runner.ts';
import { stixSource } from '../../../../../functions/ingest/sources/stix/stix-source.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { startLocalTable, type LocalTable } from '../../../store/local-table.ts';
import { bundle, campaign, indicator, indicatorBundle, relationship, syntheticIndicator, taxiiEnvelope, vulnerability } from './fixtures.ts';

/** The stix source over dynalite: pushed bundles and TAXII envelopes stored, and which payloads it claims. */

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table.close();
});

function deps() {
  const events: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
  const ingestDeps: IngestDeps = {
    intel: table.repositories.intel,
    quarantine: table.repositories.quarantine,
    cursors: table.repositories.cursors,
    publishEvents: async (entries) => void events.push(...(entries as typeof events)),
    now: () => new Date('2025-08-25T02:00:00Z'),
  };
  return { events, deps: ingestDeps };
}

describe('stix source: pushed bundles', () => {
  it('stores a bundle with its context, announces it, and writes nothing when the same bundle comes again', async () => {
    const payload = JSON.stringify(indicatorBundle({ count: 10 }));
    const first = deps();
    const { summary } = await ingestPayload(stixSource, first.deps, { tenant: 'stix-push', payload, label: 'push-1' });
    expect(summary).toMatchObject({ added: 10, quarantined: 0 });
    const { value } = syntheticIndicator(0);
    const stored = await table.repositories.intel.getIndicator('stix-push', indicatorId('ipv4', value));
    expect(stored?.facts.stix).toMatchObject({ malwareFamily: 'GhostLoader', campaigns: expect.arrayContaining(['Operation Paper Lantern']), tlp: 'amber' });
    expect(first.events.filter((event) => event.detailType === 'Indicators Changed').flatMap((event) => event.detail.ids as string[])).toHaveLength(10);

    const again = deps();
    table.counter.reset();
    const repeated = await ingestPayload(stixSource, again.deps, { tenant: 'stix-push', payload, label: 'push-2' });
    expect(repeated.summary).toMatchObject({ added: 0, updated: 0, unchanged: 10 });
    expect(table.counter.writes).toBe(0);
    expect(again.events).toEqual([]);
  });

  it('stores a TAXII envelope the same way, and a push that leaves records out revokes none of them', async () => {
    const operation = campaign('Operation Lantern Fish');
    const cve = vulnerability('CVE-2023-4966');
    const made = indicator('envelope', "[url:value = 'HTTPS://Gate.Example.COM/login']");
    const objects = [operation, cve, made, relationship('indicates', made, operation), relationship('targets', operation, cve)];
    const first = await ingestPayload(stixSource, deps().deps, { tenant: 'stix-envelope', payload: JSON.stringify(taxiiEnvelope(objects)), label: 'push-1' });
    expect(first.summary).toMatchObject({ added: 2 });
    expect((await table.repositories.intel.getVulnerability('stix-envelope', 'CVE-2023-4966'))?.facts?.stix).toMatchObject({ campaigns: ['Operation Lantern Fish'] });

    const second = await ingestPayload(stixSource, deps().deps, { tenant: 'stix-envelope', payload: JSON.stringify(taxiiEnvelope([made])), label: 'push-2' });
    expect(second.summary).toMatchObject({ revoked: 0 });
    expect(second.parsed.complete).toBe(false);
    expect((await table.repositories.intel.getVulnerability('stix-envelope', 'CVE-2023-4966'))?.sources).toEqual(['stix']);
  });
});

describe('stix source: what it claims', () => {
  it('claims a bundle whatever order its members come in, and TAXII envelopes of STIX 2.1 objects', () => {
    const objects = indicatorBundle({ count: 3 }).objects as unknown[];
    const { type, id } = bundle([]);
    expect(stixSource.detect(JSON.stringify(bundle(objects)))).toBe(true);
    expect(stixSource.detect(JSON.stringify({ objects, type, id }))).toBe(true);
    expect(stixSource.detect(JSON.stringify(taxiiEnvelope(objects), null, 2))).toBe(true);
    expect(stixSource.detect(JSON.stringify({ objects: [] }))).toBe(true);
  });

  it('claims no other JSON with a list of objects, nor a plain type field', () => {
    expect(stixSource.detect(JSON.stringify({ objects: [{ type: 'indicator', id: 'x' }] }))).toBe(false);
    expect(stixSource.detect(JSON.stringify({ type: 'report', objects: [1] }))).toBe(false);
    expect(stixSource.detect('type,bundle\n')).toBe(false);
  });

  it('claims a STIX 2.0 bundle, so the sender learns which objects need spec_version 2.1', () => {
    const old = indicator('old', "[ipv4-addr:value = '198.51.100.1']");
    delete old.spec_version;
    const payload = JSON.stringify({ ...bundle([old]), spec_version: '2.0' });
    expect(stixSource.detect(payload)).toBe(true);
    const parsed = stixSource.parse(payload, { source: 'stix', now: '2025-08-25T02:00:00.000Z' });
    expect(parsed.drafts).toEqual([]);
    expect(parsed.rejected.map((rejected) => rejected.reason)).toEqual([expect.stringMatching(/^objects\[0\]\.spec_version: /)]);
  });
});
