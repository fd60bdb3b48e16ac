import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { KEV_CATALOGUE_ENTRIES, kevCatalogue } from '../ingest/fixtures.ts';
import { runCli, scratch, sink } from './cli-harness.ts';

const ACME_SECRET = 'acme-cli-webhook-secret-0123456789';

/** The headers `forestall webhook sign` printed, as name/value pairs. */
function printedHeaders(stdout: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of stdout.split('\n\n')[0]!.split('\n')) {
    const separator = line.indexOf(': ');
    headers[line.slice(0, separator)] = line.slice(separator + 2);
  }
  return headers;
}

describe('forestall webhook', () => {
  it('serves the webhook into the local store until interrupted; a body signed by "webhook sign" is stored where ingest finds it', async () => {
    // Prepare
    const dir = scratch();
    const store = join(dir, 'store');
    const secretFile = join(dir, 'acme.secret');
    writeFileSync(secretFile, `${ACME_SECRET}\n`);
    const bodyFile = join(dir, 'kev.json');
    writeFileSync(bodyFile, JSON.stringify(kevCatalogue()));
    const out = sink();
    const err = sink();
    const stop = new AbortController();

    // Act
    const serving = main(['webhook', 'serve', '--tenant-secret-file', `acme=${secretFile}`, '--store', store, '--archive', join(dir, 'archive')], out.stream, err.stream, {
      signal: stop.signal,
    });
    const [, url] = await out.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const signed = await runCli(['webhook', 'sign', '--secret-file', secretFile, '--file', bodyFile, '--url', `${url}/intel/acme`]);
    const response = await fetch(`${url}/intel/acme`, { method: 'POST', headers: { 'content-type': 'application/json', ...printedHeaders(signed.stdout) }, body: JSON.stringify(kevCatalogue()) });
    const answer = (await response.json()) as Record<string, unknown>;
    await out.waitFor(/acme: push: /);
    stop.abort();
    const code = await serving;
    const afterwards = await runCli(['ingest', 'cisa-kev', '--file', bodyFile, '--store', store, '--archive', join(dir, 'archive'), '--tenant', 'acme', '--json']);

    // Assess
    expect(signed.code).toBe(0);
    expect(signed.stdout).toContain(`curl -sS -X POST '${url}/intel/acme'`);
    expect(signed.stdout).not.toContain(ACME_SECRET);
    expect(response.status).toBe(202);
    expect(answer).toEqual({ accepted: KEV_CATALOGUE_ENTRIES, rejected: 0, unchanged: 0 });
    expect(out.text()).toContain(`POST intel to ${url}/intel/<tenant> (tenants: acme)`);
    expect(out.text()).toContain(`acme: push: ${KEV_CATALOGUE_ENTRIES} accepted, 0 rejected, 0 unchanged`);
    expect(code).toBe(0);
    expect(out.text()).toMatch(/stopped\n$/);
    expect(err.text()).toBe('');
    expect(JSON.parse(afterwards.stdout)).toMatchObject({ added: 0, unchanged: KEV_CATALOGUE_ENTRIES });
  });

  it('logs a refused signature without the secret, and answers 401', async () => {
    const dir = scratch();
    const secretFile = join(dir, 'acme.secret');
    writeFileSync(secretFile, ACME_SECRET);
    const out = sink();
    const err = sink();
    const stop = new AbortController();
    const serving = main(['webhook', 'serve', '--tenant-secret-file', `acme=${secretFile}`, '--store', join(dir, 'store')], out.stream, err.stream, { signal: stop.signal });
    const [, url] = await out.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);

    const response = await fetch(`${url}/intel/acme`, { method: 'POST', headers: { 'x-forestall-timestamp': String(Math.floor(Date.now() / 1000)), 'x-forestall-signature': `v1=${'0'.repeat(64)}` }, body: '{}' });
    stop.abort();

    expect(response.status).toBe(401);
    expect(await serving).toBe(0);
    expect(err.text()).toBe('forestall webhook serve: acme: webhook signature refused (no-matching-signature)\n');
  });

  it('refuses to serve without a usable tenant secret, naming the file', async () => {
    const dir = scratch();
    const short = join(dir, 'short.secret');
    writeFileSync(short, 'too-short');

    expect(await runCli(['webhook', 'serve', '--store', join(dir, 'store')])).toMatchObject({ code: 2, stderr: expect.stringContaining('give at least one --tenant-secret-file TENANT=FILE') });
    expect(await runCli(['webhook', 'serve', '--tenant-secret-file', `acme=${short}`])).toMatchObject({ code: 2, stderr: expect.stringContaining(`webhook secret ${short} is shorter than 16 characters`) });
    expect(await runCli(['webhook', 'serve', '--tenant-secret-file', `acme=${join(dir, 'none')}`])).toMatchObject({ code: 2, stderr: expect.stringContaining('ENOENT') });
    expect(await runCli(['webhook', 'serve', '--tenant-secret-file', short])).toMatchObject({ code: 2, stderr: expect.stringContaining('is not TENANT=FILE') });
    expect(await runCli(['webhook', 'serve', '--tenant-secret-file', `acme=${short}`, '--port', '70000'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--port') });
  });

  it('routes sign and help, and refuses an unknown subcommand with exit 2', async () => {
    expect(await runCli(['webhook', 'sign', '--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('forestall webhook sign --secret-file FILE') });
    expect(await runCli(['webhook', 'sign'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--secret-file is required') });
    const unknown = await runCli(['webhook', 'listen']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown subcommand "listen"');
    expect(unknown.stderr).toContain('forestall webhook serve --tenant-secret-file TENANT=FILE');
  });
});
