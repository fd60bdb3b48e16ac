import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature, webhookSignature } from '../../../functions/webhook/webhook-signature.ts';
import { ACME_SECRET, NOW_SECONDS } from './fixtures.ts';

const verify = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) => {
  const body = '{"count":0}';
  const headers = signWebhookBody(ACME_SECRET, body, NOW_SECONDS);
  return verifyWebhookSignature({
    secrets: [ACME_SECRET],
    timestampHeader: headers['X-Forestall-Timestamp'],
    signatureHeader: headers['X-Forestall-Signature'],
    body,
    nowSeconds: NOW_SECONDS,
    ...overrides,
  });
};

describe('signWebhookBody', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256, as a sender computes it independently', () => {
    const headers = signWebhookBody('secret-for-a-known-answer', 'hello', 1_700_000_000);
    const independent = createHmac('sha256', 'secret-for-a-known-answer').update('1700000000.hello').digest('hex');
    expect(headers).toEqual({ 'X-Forestall-Timestamp': '1700000000', 'X-Forestall-Signature': `v1=${independent}` });
    // Bytes and the same text sign alike.
    expect(webhookSignature('secret-for-a-known-answer', Buffer.from('hello'), 1_700_000_000)).toBe(independent);
  });

  it('carries one v1 value per secret during a rotation', () => {
    const headers = signWebhookBody(['first-secret-0123456789', 'second-secret-0123456789'], 'x', 1);
    expect(headers['X-Forestall-Signature'].split(',')).toEqual([
      `v1=${webhookSignature('first-secret-0123456789', 'x', 1)}`,
      `v1=${webhookSignature('second-secret-0123456789', 'x', 1)}`,
    ]);
  });

  it('refuses fractional or negative timestamps and empty secrets', () => {
    expect(() => signWebhookBody(ACME_SECRET, 'x', 1.5)).toThrow(/whole unix seconds/);
    expect(() => signWebhookBody(ACME_SECRET, 'x', -1)).toThrow(/whole unix seconds/);
    expect(() => signWebhookBody('', 'x', 1)).toThrow(/must not be empty/);
    expect(() => signWebhookBody([], 'x', 1)).toThrow(/must not be empty/);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a fresh signature and names each reason for refusing', () => {
    expect(verify({})).toEqual({ ok: true });
    expect(verify({ secrets: [] })).toEqual({ ok: false, reason: 'no-secret' });
    expect(verify({ timestampHeader: undefined })).toEqual({ ok: false, reason: 'missing-timestamp' });
    expect(verify({ timestampHeader: '1769508000.5' })).toEqual({ ok: false, reason: 'malformed-timestamp' });
    expect(verify({ timestampHeader: '-5' })).toEqual({ ok: false, reason: 'malformed-timestamp' });
    expect(verify({ signatureHeader: ' ' })).toEqual({ ok: false, reason: 'missing-signature' });
    expect(verify({ signatureHeader: 'v1=abc' })).toEqual({ ok: false, reason: 'malformed-signature' });
    expect(verify({ signatureHeader: 'sha256' })).toEqual({ ok: false, reason: 'malformed-signature' });
    expect(verify({ signatureHeader: `v2=${'a'.repeat(64)}` })).toEqual({ ok: false, reason: 'malformed-signature' });
    expect(verify({ body: '{"count":1}' })).toEqual({ ok: false, reason: 'no-matching-signature' });
    expect(verify({ secrets: ['another-secret-0123456789'] })).toEqual({ ok: false, reason: 'no-matching-signature' });
  });

  it('holds the 5-minute window both ways, inclusive, and takes a narrower tolerance when given', () => {
    expect(verify({ nowSeconds: NOW_SECONDS + 300 })).toEqual({ ok: true });
    expect(verify({ nowSeconds: NOW_SECONDS - 300 })).toEqual({ ok: true });
    expect(verify({ nowSeconds: NOW_SECONDS + 301 })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verify({ nowSeconds: NOW_SECONDS - 301 })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verify({ nowSeconds: NOW_SECONDS + 61, toleranceSeconds: 60 })).toEqual({ ok: false, reason: 'stale-timestamp' });
  });

  it('accepts any matching value among several, upper-case hex, and ignores other versions next to v1', () => {
    const good = webhookSignature(ACME_SECRET, '{"count":0}', NOW_SECONDS);
    expect(verify({ signatureHeader: `v1=${'f'.repeat(64)}, v1=${good}` })).toEqual({ ok: true });
    expect(verify({ signatureHeader: `v1=${good.toUpperCase()}` })).toEqual({ ok: true });
    expect(verify({ signatureHeader: `v2=${'b'.repeat(80)},v1=${good}` })).toEqual({ ok: true });
    expect(verify({ secrets: ['old-secret-0123456789', ACME_SECRET] })).toEqual({ ok: true });
    // A header with more values than any rotation needs is refused outright.
    expect(verify({ signatureHeader: Array.from({ length: 9 }, () => `v1=${good}`).join(',') })).toEqual({ ok: false, reason: 'malformed-signature' });
  });

  it('property: a signed body verifies, and any change to body, timestamp or secret does not', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.uint8Array({ maxLength: 512 }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: -300, max: 300 }),
        (secret, bytes, timestamp, drift) => {
          const body = Buffer.from(bytes);
          const headers = signWebhookBody(secret, body, timestamp);
          const check = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
            verifyWebhookSignature({
              secrets: [secret],
              timestampHeader: headers['X-Forestall-Timestamp'],
              signatureHeader: headers['X-Forestall-Signature'],
              body,
              nowSeconds: timestamp + drift,
              ...overrides,
            });
          expect(check({})).toEqual({ ok: true });
          expect(check({ body: Buffer.concat([body, Buffer.from([0])]) }).ok).toBe(false);
          expect(check({ secrets: [`${secret}x`] }).ok).toBe(false);
          expect(check({ timestampHeader: String(timestamp + 1), nowSeconds: timestamp }).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary header values never throw and never verify without the secret', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string()), fc.string(), (timestampHeader, signatureHeader, body) => {
        const verdict = verifyWebhookSignature({
          secrets: [ACME_SECRET],
          timestampHeader: timestampHeader ?? undefined,
          signatureHeader: signatureHeader ?? undefined,
          body,
          nowSeconds: NOW_SECONDS,
        });
        expect(verdict.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
