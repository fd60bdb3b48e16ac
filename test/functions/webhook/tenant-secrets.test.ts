import { describe, expect, it } from 'vitest';
import { cachedTenantSecrets, parseTenantSecret } from '../../../functions/webhook/tenant-secrets.ts';

const ROTATING = JSON.stringify({ secrets: ['old-secret-0123456789', 'new-secret-0123456789'] });

describe('parseTenantSecret', () => {
  it('reads JSON {"secrets": [...]} and a plain secret (trimmed)', () => {
    expect(parseTenantSecret(ROTATING, 'forestall/webhook/acme')).toEqual(['old-secret-0123456789', 'new-secret-0123456789']);
    expect(parseTenantSecret('  plain-secret-0123456789\n', 'forestall/webhook/acme')).toEqual(['plain-secret-0123456789']);
  });

  it('names the secret and what is wrong, never the value', () => {
    const problems = [
      ['tiny-1', /forestall\/webhook\/acme is shorter than 16 characters/],
      ['{"secrets": ["short-one"]}', /must be JSON \{"secrets": \[\.\.\.\]\} with 1 to 4 secrets of at least 16 characters/],
      ['{"secrets": []}', /with 1 to 4 secrets/],
      ['{"secret": "a-long-enough-secret-000"}', /with 1 to 4 secrets/],
      ['{not json a-long-enough-secret-000', /starts like JSON but is not JSON/],
    ] as const;
    for (const [value, message] of problems) {
      let thrown: Error | undefined;
      try {
        parseTenantSecret(value, 'forestall/webhook/acme');
      } catch (error) {
        thrown = error as Error;
      }
      expect(thrown?.name).toBe('ConfigurationError');
      expect(thrown?.message).toMatch(message);
      expect(thrown?.message).not.toContain(value);
    }
  });
});

describe('cachedTenantSecrets', () => {
  function store(values: Record<string, string>) {
    let now = 0;
    const reads: string[] = [];
    let failNext = false;
    const lookup = cachedTenantSecrets({
      prefix: 'forestall/webhook/',
      nowMs: () => now,
      maxEntries: 3,
      readSecret: async (name) => {
        reads.push(name);
        if (failNext) {
          failNext = false;
          throw new Error('ThrottlingException');
        }
        return values[name];
      },
    });
    return {
      lookup,
      reads,
      advance: (ms: number) => {
        now += ms;
      },
      failOnce: () => {
        failNext = true;
      },
    };
  }

  it('reads <prefix><tenant> once per 5 minutes, unknown tenants included', async () => {
    const values: Record<string, string> = { 'forestall/webhook/acme': ROTATING };
    const { lookup, reads, advance } = store(values);
    expect(await lookup('acme')).toEqual(['old-secret-0123456789', 'new-secret-0123456789']);
    expect(await lookup('globex')).toBeUndefined();
    advance(299_999);
    expect(await lookup('acme')).toHaveLength(2);
    expect(await lookup('globex')).toBeUndefined();
    expect(reads).toEqual(['forestall/webhook/acme', 'forestall/webhook/globex']);
    // A rotation finishing (old secret removed) is seen once the 5 minutes are up.
    values['forestall/webhook/acme'] = 'new-secret-0123456789';
    advance(1);
    expect(await lookup('acme')).toEqual(['new-secret-0123456789']);
    expect(reads).toHaveLength(3);
  });

  it('does not keep a failed read, and keeps at most maxEntries tenants (the oldest go first)', async () => {
    const { lookup, reads, failOnce } = store({ 'forestall/webhook/acme': 'acme-secret-0123456789' });
    failOnce();
    await expect(lookup('acme')).rejects.toThrow('ThrottlingException');
    expect(await lookup('acme')).toEqual(['acme-secret-0123456789']);
    expect(reads).toEqual(['forestall/webhook/acme', 'forestall/webhook/acme']);
    for (const tenant of ['t1', 't2', 't3']) await lookup(tenant);
    await lookup('t3');
    expect(reads).toHaveLength(5);
    await lookup('acme'); // evicted by t3
    expect(reads.at(-1)).toBe('forestall/webhook/acme');
    expect(reads).toHaveLength(6);
  });

  it('shares one read between concurrent requests for a tenant', async () => {
    const { lookup, reads } = store({ 'forestall/webhook/acme': 'acme-secret-0123456789' });
    await Promise.all([lookup('acme'), lookup('acme'), lookup('acme')]);
    expect(reads).toEqual(['forestall/webhook/acme']);
  });
});
