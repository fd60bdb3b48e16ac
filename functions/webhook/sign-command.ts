import { parseArgs } from 'node:util';
import { SIGNATURE_TOLERANCE_SECONDS, signWebhookBody } from './webhook-signature.ts';
import { parseTenantSecret } from './tenant-secrets.ts';

/*
 * Sending intel to forestall's webhook
 * ------------------------------------
 * POST the intel document (any format forestall ingests) to `<api url>/intel/<tenant>` with:
 *
 *   X-Forestall-Timestamp: <unix seconds, now>
 *   X-Forestall-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<exact body bytes>")>
 *   X-Forestall-Delivery:  <optional id of this delivery, the same on every retry>
 *   Content-Type:          <the document's type, e.g. application/json>
 *
 * The request must arrive within 5 minutes of its timestamp; sign again for every attempt. Answers:
 * 202 {accepted, rejected, unchanged}; 400 the document cannot be read (the message names the field);
 * 401 signature missing, wrong or too old; 413 body too large; 429 too many requests; 5xx retry later.
 * Sending the same body twice is safe: records already stored come back as `unchanged`.
 *
 * With forestall installed (the secret is read from a file and never printed):
 *
 *   forestall webhook sign --secret-file tenant.secret --file intel.json --url https://<api>/v1/intel/acme
 *
 * prints the headers and a curl command that sends the file. With openssl alone:
 *
 *   body=intel.json; url=https://<api>/v1/intel/acme
 *   ts=$(date +%s)
 *   sig=$( { printf '%s.' "$ts"; cat "$body"; } | openssl dgst -sha256 -hmac "$(cat tenant.secret)" -r | cut -d' ' -f1 )
 *   curl -sS -X POST "$url" -H 'Content-Type: application/json' \
 *     -H "X-Forestall-Timestamp: $ts" -H "X-Forestall-Signature: v1=$sig" --data-binary @"$body"
 *
 * (openssl takes the key on its command line, where other users of a shared host can see it; there, use
 * the forestall command.) While a secret is rotated, send one `v1=` value per secret, comma-separated.
 */

export const WEBHOOK_SIGN_USAGE = `Usage:
  forestall webhook sign --secret-file FILE [--file BODY] [--url URL] [--content-type TYPE] [--delivery ID]
      Signs a body (BODY, or standard input) for forestall's intel webhook with the secret in FILE (the
      secret itself, or JSON {"secrets": [...]} to sign with each during a rotation). Prints the
      X-Forestall-Timestamp and X-Forestall-Signature headers and a curl command that sends the body;
      the signature is valid for ${SIGNATURE_TOLERANCE_SECONDS / 60} minutes. Without --url the command posts to $FORESTALL_WEBHOOK_URL.`;

/** What the command reads and writes; the CLI passes the process's, tests their own. */
export interface WebhookSignIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  readFile(path: string): Promise<Buffer>;
  readStdin(): Promise<Buffer>;
  nowSeconds(): number;
}

/** `forestall webhook sign ...` (argv after `webhook sign`); returns the exit code: 0, 2 bad input, 1 failure. */
export async function webhookSignCommand(argv: readonly string[], io: WebhookSignIo): Promise<number> {
  let values: { 'secret-file'?: string; file?: string; url?: string; 'content-type'?: string; delivery?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'secret-file': { type: 'string' },
        file: { type: 'string' },
        url: { type: 'string' },
        'content-type': { type: 'string' },
        delivery: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err.write(`forestall webhook sign: ${(error as Error).message}\n\n${WEBHOOK_SIGN_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out.write(`${WEBHOOK_SIGN_USAGE}\n`);
    return 0;
  }
  const secretFile = values['secret-file'];
  if (!secretFile) {
    io.err.write(`forestall webhook sign: --secret-file is required\n\n${WEBHOOK_SIGN_USAGE}\n`);
    return 2;
  }
  if (values.url !== undefined && !isHttpUrl(values.url)) {
    io.err.write(`forestall webhook sign: --url must be an http(s) URL, got ${values.url}\n`);
    return 2;
  }
  const contentType = values['content-type'] ?? 'application/json';
  if (/[\r\n]/.test(contentType) || (values.delivery !== undefined && !/^[\x21-\x7e]{1,200}$/.test(values.delivery))) {
    io.err.write('forestall webhook sign: --content-type and --delivery must be single-line header values (--delivery: 1-200 visible ASCII characters)\n');
    return 2;
  }

  let secrets: string[];
  let body: Buffer;
  try {
    secrets = parseTenantSecret((await io.readFile(secretFile)).toString('utf8'), secretFile);
    body = values.file === undefined ? await io.readStdin() : await io.readFile(values.file);
  } catch (error) {
    // Names the file and what is wrong with it; parseTenantSecret never repeats the secret.
    io.err.write(`forestall webhook sign: ${(error as Error).message}\n`);
    return (error as Error).name === 'ConfigurationError' ? 2 : 1;
  }

  const headers = signWebhookBody(secrets, body, Math.floor(io.nowSeconds()));
  const headerLines = [`Content-Type: ${contentType}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  if (values.delivery !== undefined) headerLines.push(`X-Forestall-Delivery: ${values.delivery}`);
  const url = values.url === undefined ? '"$FORESTALL_WEBHOOK_URL"' : shellQuote(values.url);
  const data = values.file === undefined ? '@-' : `@${values.file}`;
  const curl = ['curl -sS -X POST', url, ...headerLines.map((line) => `-H ${shellQuote(line)}`), `--data-binary ${shellQuote(data)}`].join(' ');

  io.out.write(`${headerLines.slice(1).join('\n')}\n\n${curl}\n`);
  if (values.file === undefined) io.err.write('forestall webhook sign: pipe the same bytes into curl (--data-binary @-): the signature covers them exactly\n');
  return 0;
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Single-quoted for POSIX shells, with embedded quotes closed and escaped. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
