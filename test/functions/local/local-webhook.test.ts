import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalWebhook } from '../../../functions/local/local-webhook.ts';
import { indicatorId } from '../../../functions/model/indicator.ts';
import { SIGNATURE_REFUSED } from '../../../functions/webhook/receive-intel.ts';
import { signWebhookBody } from '../../../functions/webhook/webhook-signature.ts';
import type { WebhookServer } from '../../../functions/webhook/webhook-server.ts';
import { KEV_CATALOGUE_ENTRIES, kevCatalogue } from '../ingest/fixtures.ts';
import { mixedMispEvent } from '../ingest/sources/misp/fixtures.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';

const ACME_SECRET = 'acme-local-webhook-secret-0123456789';
const GLOBEX_SECRET = 'globex-local-webhook-secret-9876543210';

let table: LocalTable;
let server: WebhookServer;
const published: Array<{ detailType: string; detail: unknown }> = [];
const archived: string[] = [];

beforeAll(async () => {
  table = await startLocalTable();
  server = await startLocalWebhook({
    repositories: table.repositories,
    publishEvents: async (events) => void published.push(...events),
    tenantSecrets: new Map([
      ['acme', [ACME_SECRET]],
      ['globex', [GLOBEX_SECRET]],
    ]),
    archive: { put: async (key) => void archived.push(key) },
  });
});
afterAll(async () => {
  await server.close();
  await table.close();
});

/** A POST as a sender makes it: the exact body, signed now with `secret`. */
async function push(tenant: string, body: string, secret: string, extra: Record<string, string> = {}) {
  const headers = { 'content-type': 'application/json', ...signWebhookBody(secret, body, Math.floor(Date.now() / 1000)), ...extra };
  return send(tenant, body, headers);
}

async function send(tenant: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${server.url}/intel/${tenant}`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('local webhook over a local store', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stores a signed MISP event (no STIX in it) and answers 202 with the counts', async () => {
    const body = JSON.stringify(mixedMispEvent());

    const answer = await push('acme', body, ACME_SECRET, { 'x-forestall-delivery': 'misp-0001' });

    expect(answer.status).toBe(202);
    // Three attributes are refused: an ip-dst that is no address, one without to_ids, one repeated.
    expect(answer.body).toMatchObject({ rejected: 3, unchanged: 0 });
    expect(answer.body.accepted).toBeGreaterThan(5);
    expect(await table.repositories.intel.getIndicator('acme', indicatorId('ipv4', '203.0.113.10'))).toMatchObject({ sources: ['misp'], facts: { misp: { tlp: 'amber' } } });
    expect((await table.repositories.quarantine.list('acme', 'misp')).map((record) => record.reason)).toContainEqual(expect.stringContaining('"not-an-ip" is not an IPv4 address'));
    expect(archived).toContainEqual(expect.stringMatching(/^misp\/acme\/.*-push-misp-0001$/));
    expect(published.some((event) => event.detailType === 'Indicators Changed')).toBe(true);
  });

  it('stores a signed KEV catalogue; the same request replayed is answered 202 and writes nothing', async () => {
    const body = JSON.stringify(kevCatalogue());
    const headers = { 'content-type': 'application/json', ...signWebhookBody(ACME_SECRET, body, Math.floor(Date.now() / 1000)) };

    const first = await send('acme', body, headers);
    const announcedBefore = published.length;
    table.counter.reset();
    const replay = await send('acme', body, headers);

    expect(first).toEqual({ status: 202, body: { accepted: KEV_CATALOGUE_ENTRIES, rejected: 0, unchanged: 0 } });
    expect((await table.repositories.intel.getVulnerability('acme', 'CVE-2023-4966'))?.kev).toMatchObject({ vendorProject: 'Citrix', dateAdded: '2023-10-18' });
    expect(replay).toEqual({ status: 202, body: { accepted: 0, rejected: 0, unchanged: KEV_CATALOGUE_ENTRIES } });
    expect(table.counter.writes).toBe(0);
    expect(published).toHaveLength(announcedBefore);
  });

  it('refuses a forged signature and another tenant’s secret with 401, storing nothing', async () => {
    const body = JSON.stringify(kevCatalogue());
    const signed = signWebhookBody(ACME_SECRET, body, Math.floor(Date.now() / 1000));
    table.counter.reset();

    const forged = await send('globex', body, { 'content-type': 'application/json', ...signed, 'X-Forestall-Signature': `v1=${'0'.repeat(64)}` });
    const acmeSecretForGlobex = await push('globex', body, ACME_SECRET);
    const unknownTenant = await push('initech', body, ACME_SECRET);

    for (const answer of [forged, acmeSecretForGlobex, unknownTenant]) expect(answer).toEqual({ status: 401, body: { error: SIGNATURE_REFUSED } });
    expect(table.counter.writes).toBe(0);
    expect(await table.repositories.intel.getVulnerability('globex', 'CVE-2023-4966')).toBeUndefined();
  });
});
