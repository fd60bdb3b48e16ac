import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStixPattern, StixPatternError, type StixPatternResult } from '../../../../../functions/ingest/sources/stix/stix-pattern.ts';

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const SHA256 = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c';

const values = (...pairs: Array<[string, string]>): StixPatternResult => ({ values: pairs.map(([type, value]) => ({ type, value }) as StixPatternResult['values'][number]) });
const unsupported = (why: string, ...pairs: Array<[string, string]>): StixPatternResult => ({ ...values(...pairs), unsupported: why });

/** Patterns that are plain values, some with room to spare. */
const plainValues: Array<[string, StixPatternResult]> = [
  ["[ipv4-addr:value = '198.51.100.1']", values(['ipv4', '198.51.100.1'])],
  ["[ipv6-addr:value = '2001:db8::1']", values(['ipv6', '2001:db8::1'])],
  ["[domain-name:value = 'example.com']", values(['domain', 'example.com'])],
  ["[url:value = 'https://example.com/a?b=c']", values(['url', 'https://example.com/a?b=c'])],
  [`[file:hashes.MD5 = '${MD5}']`, values(['md5', MD5])],
  // Real feeds (the APT1 report) write the hash name in lower case.
  [`[file:hashes.md5 = '${MD5}']`, values(['md5', MD5])],
  [`[file:hashes.'SHA-1' = '${SHA1}']`, values(['sha1', SHA1])],
  [`[file:hashes.'SHA-256' = '${SHA256}']`, values(['sha256', SHA256])],
  [`[file:hashes.SHA256 = '${SHA256}']`, values(['sha256', SHA256])],
  ["[email-addr:value = 'billing@example.com']", values(['email', 'billing@example.com'])],
  ["[email-message:from_ref.value = 'ceo@example.com']", values(['email', 'ceo@example.com'])],
  ["[ipv4-addr:value ISSUBSET '198.51.100.0/24']", values(['cidr', '198.51.100.0/24'])],
  ["[ipv6-addr:value ISSUBSET '2001:db8::/32']", values(['cidr', '2001:db8::/32'])],
  // STIX allows a CIDR block as the value of an address object.
  ["[ipv4-addr:value = '112.64.0.0/15']", values(['cidr', '112.64.0.0/15'])],
  ["[domain-name:value = 'a.example' OR ipv4-addr:value = '203.0.113.5']", values(['domain', 'a.example'], ['ipv4', '203.0.113.5'])],
  ["[ipv4-addr:value = '192.0.2.1'] OR [ipv4-addr:value = '192.0.2.2']", values(['ipv4', '192.0.2.1'], ['ipv4', '192.0.2.2'])],
  ["[ipv4-addr:value IN ('198.51.100.1', '198.51.100.2')]", values(['ipv4', '198.51.100.1'], ['ipv4', '198.51.100.2'])],
  ["[url:value = 'http://example.com/it\\'s']", values(['url', "http://example.com/it's"])],
  ["[url:value = 'http://example.com/a\\\\b']", values(['url', 'http://example.com/a\\b'])],
  ["[ ipv4-addr:value = '10.0.0.0' ]", values(['ipv4', '10.0.0.0'])],
  ["\n[\tipv4-addr:value\r\n=\t'10.0.0.1'\n]\n", values(['ipv4', '10.0.0.1'])],
  ["[(ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2')]", values(['ipv4', '192.0.2.1'], ['ipv4', '192.0.2.2'])],
  ["([ipv4-addr:value = '192.0.2.1'] OR ([domain-name:value = 'x.example']))", values(['ipv4', '192.0.2.1'], ['domain', 'x.example'])],
  ["[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.1']", values(['ipv4', '192.0.2.1'])],
  // The hash is the file; its name only narrows the match.
  [`[file:name = 'invoice.exe' AND file:hashes.'SHA-256' = '${SHA256}']`, values(['sha256', SHA256])],
  [`[file:hashes.MD5 = '${MD5}' AND file:hashes.'SHA-1' = '${SHA1}']`, values(['md5', MD5], ['sha1', SHA1])],
  [`[file:size > 1024 AND (file:hashes.MD5 = '${MD5}' OR file:hashes.'SHA-256' = '${SHA256}')]`, values(['md5', MD5], ['sha256', SHA256])],
  ["[domain-name:value = 'a\u00e9.example']", values(['domain', 'a\u00e9.example'])],
];

/** Patterns that are conditions rather than lists of values. */
const conditions: Array<[string, StixPatternResult]> = [
  ["[ipv4-addr:value = '192.0.2.1' AND ipv4-addr:value = '192.0.2.2']", unsupported('comparisons joined with AND that no file hash identifies')],
  ["[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'x.example']", unsupported('observations joined with AND')],
  ["[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'x.example']", unsupported('observations joined with FOLLOWEDBY')],
  ["[ipv4-addr:value = '192.0.2.1'] WITHIN 300 SECONDS", unsupported('the WITHIN qualifier')],
  ["[ipv4-addr:value = '192.0.2.1'] REPEATS 5 TIMES", unsupported('the REPEATS qualifier')],
  ["[ipv4-addr:value = '192.0.2.1'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", unsupported('the START/STOP qualifier')],
  ["([ipv4-addr:value = '192.0.2.1'] OR [ipv4-addr:value = '192.0.2.2']) WITHIN 60 SECONDS", unsupported('the WITHIN qualifier')],
  ["[email-message:from_ref.value MATCHES '.+\\\\banking@g0thamnatl\\\\.com$']", unsupported('MATCHES on email-message:from_ref.value')],
  ["[domain-name:value LIKE '%.example.com']", unsupported('LIKE on domain-name:value')],
  ["[ipv4-addr:value != '192.0.2.1']", unsupported('!= on ipv4-addr:value')],
  ["[ipv4-addr:value NOT = '192.0.2.1']", unsupported('NOT = on ipv4-addr:value')],
  ["[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b']", unsupported('comparisons joined with AND that no file hash identifies')],
  ["[x509-certificate:issuer = 'CN=WEBMAIL']", unsupported('x509-certificate:issuer is not a path forestall matches on')],
  ["[file:name = 'CBricksDoc']", unsupported('file:name is not a path forestall matches on')],
  ["[file:hashes.'SHA-512' = 'abcd']", unsupported("file:hashes.'SHA-512' is not a path forestall matches on")],
  ["[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final']", unsupported('email-message:body_multipart[*].body_raw_ref.name is not a path forestall matches on')],
  ['[EXISTS windows-registry-key:values]', unsupported('EXISTS windows-registry-key:values')],
  ["[domain-name:value ISSUBSET 'example.com']", unsupported('ISSUBSET on domain-name:value')],
  ['[ipv4-addr:value = 5]', unsupported('a non-string value for ipv4-addr:value')],
  // Each alternative of an OR stands on its own: the address is kept, the file name reported.
  ["[ipv4-addr:value = '192.0.2.1'] OR [file:name = 'x.exe']", unsupported('file:name is not a path forestall matches on', ['ipv4', '192.0.2.1'])],
  [
    "[ipv4-addr:value = '192.0.2.1'] OR ([ipv4-addr:value = '192.0.2.2'] AND [ipv4-addr:value = '192.0.2.3'])",
    unsupported('observations joined with AND', ['ipv4', '192.0.2.1']),
  ],
];

/** Not STIX patterning at all: the error and where it is. */
const malformed: Array<[string, string]> = [
  ['', 'expected an observation "[...]" but found end of pattern at position 0'],
  ["ipv4-addr:value = '1.1.1.1'", 'expected an observation "[...]" but found "ipv4-addr" at position 0'],
  ["[ipv4-addr:value = '1.1.1.1'", 'expected "]" but found end of pattern at position 28'],
  ["[ipv4-addr:value = '1.1.1.1]", 'unterminated string at position 19'],
  ["[ipv4-addr:value '1.1.1.1']", 'expected a comparison operator but found a string at position 17'],
  ["[ipv4-addr:value = 'a\\x']", 'invalid escape "\\x" in a string (only \\\' and \\\\) at position 21'],
  ["[ipv4-addr = '1']", 'expected ":" but found "=" at position 11'],
  ["[ipv4-addr:value = '1'] extra", 'expected end of pattern but found "extra" at position 24'],
  ["[ipv4-addr:value = '1'] WITHIN SECONDS", 'expected a number of seconds but found "SECONDS" at position 31'],
  ["[ipv4-addr:value = '1' AND]", 'expected an object type like ipv4-addr but found "]" at position 26'],
  ["[ipv4-addr:value = '1'] @", 'unexpected character "@" at position 24'],
  ["[ipv4-addr:value IN '1.1.1.1']", 'expected "(" opening a set of values but found a string at position 20'],
  // Keywords are upper case in STIX.
  ["[ipv4-addr:value = '1' and ipv4-addr:value = '2']", 'expected "]" but found "and" at position 23'],
  ["[ipv4-addr:value = '1'] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", "expected a timestamp t'...' but found a string at position 30"],
  [`${'('.repeat(100)}[ipv4-addr:value = '1']${')'.repeat(100)}`, 'nested more than 64 levels at position 64'],
];

describe('STIX pattern parser', () => {
  it.each(plainValues)('%s gives its values', (pattern, expected) => {
    expect(parseStixPattern(pattern)).toEqual(expected);
  });

  it.each(conditions)('%s is reported as unsupported', (pattern, expected) => {
    expect(parseStixPattern(pattern)).toEqual(expected);
  });

  it.each(malformed)('%j is refused with where', (pattern, message) => {
    let thrown: unknown;
    try {
      parseStixPattern(pattern);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StixPatternError);
    expect((thrown as StixPatternError).message).toBe(message);
    expect((thrown as StixPatternError).position).toBe(Number(/position (\d+)$/.exec(message)?.[1]));
  });

  it('reads any value back from its escaped form', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }), (raw) => {
        const escaped = raw.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
        expect(parseStixPattern(`[url:value = '${escaped}']`)).toEqual(values(['url', raw]));
      }),
    );
  });

  it('gives a result or a StixPatternError for any text, never another exception', () => {
    const pieces = fc.constantFrom(
      '[', ']', '(', ')', ':', '.', ',', '*', '=', '!=', '<=', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'EXISTS',
      'FOLLOWEDBY', 'WITHIN', 'SECONDS', 'REPEATS', 'TIMES', 'START', 'STOP', 'ipv4-addr', 'file', 'hashes', 'value', "'SHA-256'",
      "'198.51.100.1'", "'198.51.100.0/24'", "t'2016-06-01T00:00:00Z'", "h'ff'", "b'AA=='", '5', '-1.5', 'true', "'a\\'b'", "'", '\\', '[*]', '[0]',
    );
    const soup = fc.array(pieces, { maxLength: 30 }).chain((parts) => fc.constantFrom(parts.join(' '), parts.join('')));
    const texts = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), soup, fc.string({ unit: fc.constantFrom('[', ']', '(', ')', "'", '\\', ' '), maxLength: 400 }));
    fc.assert(
      fc.property(texts, (text) => {
        try {
          const result = parseStixPattern(text);
          expect(Array.isArray(result.values)).toBe(true);
        } catch (error) {
          if (!(error instanceof StixPatternError)) throw error;
          expect(error.position).toBeGreaterThanOrEqual(0);
          expect(error.position).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('has a table of more than 30 cases', () => {
    expect(plainValues.length + conditions.length + malformed.length).toBeGreaterThan(60);
  });
});
