import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookSignCommand, type WebhookSignIo } from '../../../functions/webhook/sign-command.ts';
import { startWebhookServer, type WebhookServer } from '../../../functions/webhook/webhook-server.ts';
import { verifyWebhookSignature } from '../../../functions/webhook/webhook-signature.ts';
import { ACME_SECRET, NOW_SECONDS, TENANT_SECRETS, fakeDeps, kevCatalogueBody } from './fixtures.ts';

const run = promisify(execFile);
const hasTool = (tool: string) => ['/usr/bin', '/usr/local/bin', '/bin'].some((dir) => existsSync(join(dir, tool)));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function workDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'forestall-webhook-sign-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function sign(argv: string[], options: { stdin?: string; nowSeconds?: number; dir?: string } = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  const collected = { out: '', err: '' };
  out.on('data', (chunk: Buffer) => (collected.out += chunk.toString()));
  err.on('data', (chunk: Buffer) => (collected.err += chunk.toString()));
  const io: WebhookSignIo = {
    out,
    err,
    readFile: (path) => readFile(options.dir ? join(options.dir, path) : path),
    readStdin: async () => Buffer.from(options.stdin ?? ''),
    nowSeconds: () => options.nowSeconds ?? NOW_SECONDS,
  };
  const code = await webhookSignCommand(argv, io);
  return { code, ...collected };
}

async function liveServer(): Promise<WebhookServer & { pushes: ReturnType<typeof fakeDeps>['pushes'] }> {
  const fake = fakeDeps({ nowSeconds: Math.floor(Date.now() / 1000) });
  const server = await startWebhookServer({ deps: fake.deps });
  cleanups.push(() => server.close());
  return { ...server, pushes: fake.pushes };
}

describe('forestall webhook sign', () => {
  it('prints headers that verify and a curl command, and never the secret', async () => {
    const body = kevCatalogueBody({ count: 2 });
    const dir = workDir({ 'acme.secret': `${ACME_SECRET}\n`, 'intel.json': body });
    const result = await sign(['--secret-file', 'acme.secret', '--file', 'intel.json', '--url', 'https://hooks.example.com/v1/intel/acme', '--delivery', 'd-42'], { dir });
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    const [headerBlock, curl] = result.out.trimEnd().split('\n\n');
    const headers = Object.fromEntries(headerBlock!.split('\n').map((line) => line.split(': ') as [string, string]));
    expect(Object.keys(headers)).toEqual(['X-Forestall-Timestamp', 'X-Forestall-Signature', 'X-Forestall-Delivery']);
    expect(headers['X-Forestall-Timestamp']).toBe(String(NOW_SECONDS));
    expect(
      verifyWebhookSignature({
        secrets: [ACME_SECRET],
        timestampHeader: headers['X-Forestall-Timestamp'],
        signatureHeader: headers['X-Forestall-Signature'],
        body,
        nowSeconds: NOW_SECONDS,
      }),
    ).toEqual({ ok: true });
    expect(curl).toBe(
      `curl -sS -X POST 'https://hooks.example.com/v1/intel/acme' -H 'Content-Type: application/json' ` +
        `-H 'X-Forestall-Timestamp: ${NOW_SECONDS}' -H '${`X-Forestall-Signature: ${headers['X-Forestall-Signature']}`}' ` +
        `-H 'X-Forestall-Delivery: d-42' --data-binary '@intel.json'`,
    );
    expect(result.out).not.toContain(ACME_SECRET);
  });

  it('signs standard input with every secret of a rotating secret file, posting to $FORESTALL_WEBHOOK_URL without --url', async () => {
    const dir = workDir({ 'beta.secret': JSON.stringify({ secrets: TENANT_SECRETS.beta }) });
    const result = await sign(['--secret-file', 'beta.secret', '--content-type', 'text/csv'], { dir, stdin: 'ioc,type\n203.0.113.7,ip\n' });
    expect(result.code).toBe(0);
    expect(result.out).toContain(`curl -sS -X POST "$FORESTALL_WEBHOOK_URL" -H 'Content-Type: text/csv'`);
    expect(result.out).toContain(`--data-binary '@-'`);
    expect(result.err).toMatch(/pipe the same bytes into curl/);
    const signature = /X-Forestall-Signature: (\S+)/.exec(result.out)?.[1] ?? '';
    expect(signature.split(',')).toHaveLength(2);
    for (const secret of TENANT_SECRETS.beta!) {
      expect(result.out).not.toContain(secret);
      expect(
        verifyWebhookSignature({ secrets: [secret], timestampHeader: String(NOW_SECONDS), signatureHeader: signature, body: 'ioc,type\n203.0.113.7,ip\n', nowSeconds: NOW_SECONDS }),
      ).toEqual({ ok: true });
    }
  });

  it('exits 2 naming the problem for a missing secret file option, a bad URL or a weak secret, and 1 for an unreadable file', async () => {
    const dir = workDir({ 'weak.secret': 'tiny-1', 'acme.secret': ACME_SECRET });
    expect(await sign([], { dir })).toMatchObject({ code: 2, err: expect.stringContaining('--secret-file is required') });
    expect(await sign(['--secret-file', 'acme.secret', '--url', 'ftp://x'], { dir })).toMatchObject({ code: 2, err: expect.stringContaining('--url must be an http(s) URL') });
    expect(await sign(['--secret-file', 'acme.secret', '--bogus'], { dir })).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--bogus'") });
    const weak = await sign(['--secret-file', 'weak.secret'], { dir });
    expect(weak).toMatchObject({ code: 2, err: expect.stringContaining('webhook secret weak.secret is shorter than 16 characters') });
    expect(weak.err).not.toContain('tiny-1');
    expect(await sign(['--secret-file', 'missing.secret'], { dir })).toMatchObject({ code: 1, err: expect.stringContaining('ENOENT') });
    expect(await sign(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('forestall webhook sign --secret-file FILE') });
  });

  it.skipIf(!hasTool('curl'))('prints a curl command that the webhook accepts as it stands', async () => {
    const server = await liveServer();
    const body = kevCatalogueBody({ count: 3 });
    const dir = workDir({ 'acme.secret': ACME_SECRET, 'intel.json': body });
    const result = await sign(['--secret-file', 'acme.secret', '--file', 'intel.json', '--url', `${server.url}/intel/acme`], { dir, nowSeconds: Date.now() / 1000 });
    const curl = result.out.trimEnd().split('\n').at(-1)!;
    const { stdout } = await run('bash', ['-c', curl], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ accepted: 3, rejected: 0, unchanged: 0 });
    expect(server.pushes.map((push) => push.body)).toEqual([body]);
  });

  it.skipIf(!hasTool('openssl') || !hasTool('curl'))('documents an openssl recipe that the webhook accepts', async () => {
    const server = await liveServer();
    const source = readFileSync(new URL('../../../functions/webhook/sign-command.ts', import.meta.url), 'utf8');
    const block = /With openssl alone:\n \*\n([\s\S]*?)\n \*\n \* \(openssl/.exec(source)?.[1];
    expect(block).toBeDefined();
    const [assignment, ...recipe] = block!.split('\n').map((line) => line.replace(/^ \* {3}/, ''));
    expect(assignment).toBe('body=intel.json; url=https://<api>/v1/intel/acme');
    const body = kevCatalogueBody({ count: 5 });
    const dir = workDir({ 'tenant.secret': ACME_SECRET, 'intel.json': body });
    const script = [`body=intel.json; url=${server.url}/intel/acme`, ...recipe].join('\n');
    const { stdout } = await run('bash', ['-c', script], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ accepted: 5, rejected: 0, unchanged: 0 });
    expect(server.pushes[0]?.body).toBe(body);
  });
});
