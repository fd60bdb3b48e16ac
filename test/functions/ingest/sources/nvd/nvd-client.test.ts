import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNvdClient, RollingWindowLimiter, VendorAuthFailed, VendorRateLimited, VendorRequestFailed, VendorUnavailable } from '../../../../../functions/ingest/sources/nvd/nvd-client.ts';
import { fakeClock } from '../../fake-clock.ts';
import { nvdRecords } from '../../fixtures.ts';
import { startNvdServer } from '../../loopback-server.ts';

let nvd: Awaited<ReturnType<typeof startNvdServer>>;
beforeAll(async () => {
  nvd = await startNvdServer(nvdRecords());
});
afterAll(async () => {
  await nvd.close();
});

describe('NVD client', () => {
  it('looks a CVE up by cveId and returns its NVD facts', async () => {
    const client = createNvdClient({ apiUrl: nvd.apiUrl, clock: fakeClock() });
    const result = await client.lookup('CVE-2021-34527');
    expect(nvd.requests.at(-1)?.url).toBe('/rest/json/cves/2.0?cveId=CVE-2021-34527');
    expect(nvd.requests.at(-1)?.headers.apikey).toBeUndefined();
    expect(result.status).toBe('found');
    if (result.status !== 'found') return;
    expect(result.id).toBe('CVE-2021-34527');
    expect(result.facts.cvss.map((c) => [c.version, c.baseScore, c.baseSeverity, c.source, c.type])).toEqual([
      ['3.1', 8.8, 'HIGH', 'secure@microsoft.com', 'Secondary'],
      ['3.1', 8.8, 'HIGH', 'nvd@nist.gov', 'Secondary'],
      // v2 keeps its severity beside cvssData, not inside it.
      ['2.0', 9, 'HIGH', 'nvd@nist.gov', 'Primary'],
    ]);
    expect(result.facts.configurations[0]?.nodes[0]?.cpeMatch.length).toBeGreaterThan(10);
  });

  it('answers not-found for a CVE NVD does not return', async () => {
    const client = createNvdClient({ apiUrl: nvd.apiUrl, clock: fakeClock() });
    expect(await client.lookup('CVE-2099-0001')).toEqual({ status: 'not-found' });
  });

  it('keeps to 5 requests per rolling 30 s without a key', async () => {
    const clock = fakeClock();
    const client = createNvdClient({ apiUrl: nvd.apiUrl, clock });
    for (let i = 0; i < 5; i += 1) await client.lookup('CVE-2023-4966');
    expect(clock.sleeps).toEqual([]);
    await client.lookup('CVE-2023-4966');
    expect(clock.sleeps).toEqual([30_000]);
  });

  it('sends the apiKey header and allows 50 requests per rolling 30 s with a key', async () => {
    const clock = fakeClock();
    const client = createNvdClient({ apiUrl: nvd.apiUrl, apiKey: 'test-key-0000', clock });
    const before = nvd.requests.length;
    for (let i = 0; i < 50; i += 1) await client.lookup('CVE-2024-3400');
    expect(clock.sleeps).toEqual([]);
    expect(nvd.requests.slice(before).every((request) => request.headers.apikey === 'test-key-0000')).toBe(true);
    await client.lookup('CVE-2024-3400');
    expect(clock.sleeps).toEqual([30_000]);
  });

  it('maps throttling and failures to named errors', async () => {
    const client = createNvdClient({ apiUrl: nvd.apiUrl, clock: fakeClock(), requestsPerWindow: 100 });
    const expectations: Array<[number, new (...args: never[]) => Error]> = [
      [403, VendorRateLimited],
      [429, VendorRateLimited],
      [401, VendorAuthFailed],
      [503, VendorUnavailable],
      [404, VendorRequestFailed],
    ];
    try {
      for (const [status, errorClass] of expectations) {
        nvd.control.fail = status;
        const error = await client.lookup('CVE-2023-4966').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(errorClass);
      }
      nvd.control.fail = 403;
      await expect(client.lookup('CVE-2023-4966')).rejects.toMatchObject({ name: 'VendorRateLimited', retryAfterSeconds: 30 });
    } finally {
      delete nvd.control.fail;
    }
  });
});

describe('rolling window limiter', () => {
  it('frees a slot exactly when the oldest request leaves the window', async () => {
    const clock = fakeClock(0);
    const limiter = new RollingWindowLimiter(2, 1000, clock);
    await limiter.acquire(); // t=0
    await clock.sleep(400);
    await limiter.acquire(); // t=400
    await limiter.acquire(); // waits until t=1000
    expect(clock.now()).toBe(1000);
    await limiter.acquire(); // waits until t=1400
    expect(clock.now()).toBe(1400);
  });
});
