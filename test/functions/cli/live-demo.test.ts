import { describe, expect, it } from 'vitest';
import { CISA_KEV_URL } from '../../../functions/ingest/sources/cisa-kev/cisa-kev-source.ts';
import { DEFAULT_NVD_API_URL } from '../../../functions/ingest/sources/nvd/nvd-client.ts';
import { KEV_CATALOGUE_ENTRIES, kevCatalogue, nvdRecords } from '../ingest/fixtures.ts';
import { runCli } from './cli-harness.ts';

const requestUrl = (input: string | URL | Request) => new URL(input instanceof Request ? input.url : input);

/** What a machine without a route to the internet gets from fetch. */
const offline: typeof fetch = async (input) => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${requestUrl(input).hostname}`), { code: 'ENOTFOUND' }) });
};

/**
 * CISA and NVD as seen from a connected machine, answered from the bundled fixtures (there is no
 * network in the tests): the KEV catalogue at CISA's URL, NVD's cveId lookups at NVD's.
 */
function internet(catalogue: unknown): { fetch: typeof fetch; asked: string[] } {
  const records = nvdRecords();
  const asked: string[] = [];
  return {
    asked,
    fetch: async (input) => {
      const url = requestUrl(input);
      asked.push(url.href);
      if (url.href === CISA_KEV_URL) return new Response(JSON.stringify(catalogue), { status: 200, headers: { 'content-type': 'application/json', etag: '"kev-1"' } });
      if (`${url.origin}${url.pathname}` === DEFAULT_NVD_API_URL) {
        const cve = records.get(url.searchParams.get('cveId') ?? '');
        const page = { resultsPerPage: cve ? 1 : 0, startIndex: 0, totalResults: cve ? 1 : 0, format: 'NVD_CVE', version: '2.0', timestamp: '2025-08-25T17:10:00.000', vulnerabilities: cve ? [{ cve }] : [] };
        return new Response(JSON.stringify(page), { status: 200, headers: { 'content-type': 'application/json' } });
      }
      return new Response('{}', { status: 404 });
    },
  };
}

describe('forestall demo --live', () => {
  it('fails at once without network, with exit 1 and a message naming the URL it could not reach', async () => {
    const run = await runCli(['demo', '--live'], { fetch: offline, env: {} });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot fetch the CISA KEV catalogue: GET ${CISA_KEV_URL} failed: fetch failed (ENOTFOUND)`);
    expect(run.stderr).toContain('"forestall demo" plays the scenario offline');
  });

  it('polls the KEV catalogue and looks its 5 newest entries up in NVD, printing what was stored and announced', async () => {
    // Prepare: Citrix Bleed at the top, as if CISA had just added it.
    const catalogue = kevCatalogue();
    const citrixBleed = catalogue.vulnerabilities.findIndex((entry) => entry.cveID === 'CVE-2023-4966');
    catalogue.vulnerabilities.unshift(...catalogue.vulnerabilities.splice(citrixBleed, 1));
    const web = internet(catalogue);

    // Act
    const run = await runCli(['demo', '--live'], { fetch: web.fetch, env: {} });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(web.asked[0]).toBe(CISA_KEV_URL);
    const lookedUp = web.asked.slice(1).map((href) => new URL(href).searchParams.get('cveId'));
    expect(lookedUp).toEqual(catalogue.vulnerabilities.slice(0, 5).map((entry) => entry.cveID));
    expect(run.stdout).toMatch(new RegExp(`cisa-kev: ${KEV_CATALOGUE_ENTRIES} added, .*, ${KEV_CATALOGUE_ENTRIES} announced, 5 looked up in NVD`));
    expect(run.stdout).toContain(`catalogue 2025.08.25; announced: ${KEV_CATALOGUE_ENTRIES} Intel Changed`);
    expect(run.stdout).toMatch(/CVE-2023-4966 {2}Citrix NetScaler .*, added 2023-10-18; NVD Analyzed: CVSS 3\.1 7\.5 HIGH, \d+ CPE criteria/);
    expect(run.stdout).toContain(`${catalogue.vulnerabilities[1]!.cveID}  `);
    expect(run.stdout).toContain('NVD: not known yet');
  });
});
