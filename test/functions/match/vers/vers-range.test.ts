import { describe, expect, it } from 'vitest';
import { formatVers, normaliseVers, parseVers, VersError, versContains, versSchemeOrdering } from '../../../../functions/match/vers/vers-range.ts';

describe('parseVers', () => {
  it('reads comparators, bare versions as equality, and decodes percent-encoding once', () => {
    expect(parseVers('vers:npm/1.0%252F0').constraints).toEqual([{ comparator: '=', version: '1.0%2F0' }]);
    expect(parseVers('vers:npm/1.0.0|>=2.0.0|<3.0.0')).toEqual({
      scheme: 'npm',
      star: false,
      constraints: [
        { comparator: '=', version: '1.0.0' },
        { comparator: '>=', version: '2.0.0' },
        { comparator: '<', version: '3.0.0' },
      ],
    });
    expect(parseVers('vers:deb/*')).toEqual({ scheme: 'deb', star: true, constraints: [] });
  });

  it.each([
    ['vers:npm/>=1.0.0| <2.0.0', 'whitespace'],
    ['vers:npm/|>=1.0.0', 'start or end'],
    ['vers:npm/>=1.0.0||<2.0.0', 'consecutive'],
    ['vers:npm/=1.0.0', 'bare version'],
    ['vers:npm/>=2.0.0|<1.0.0', 'not sorted'],
    ['vers:npm/1.0.0|>=1.0.0', 'appears twice'],
    ['vers:npm/>=1.0.0|>=2.0.0', 'cannot be followed'],
    ['vers:npm/1.0%2G0', 'percent-encoding'],
    ['vers:datetime/2024-01-01t00:00:00z', 'upper-case T and Z'],
    ['vers:datetime/2024-01-01T00%3A00%3A00Z', 'not canonically percent-encoded'],
    ['vers:npm/*|1.0.0', 'stand alone'],
    ['vers:invalid/1.0', 'never valid'],
    ['vers:alpm/1.0|2.0', 'no version ordering'],
  ])('refuses %s (%s)', (input, reason) => {
    expect(() => parseVers(input)).toThrow(VersError);
    expect(() => parseVers(input)).toThrow(reason);
  });
});

describe('normaliseVers and formatVers', () => {
  it('sorts constraints by the type ordering and lower-cases the type', () => {
    expect(formatVers(normaliseVers('vers:PyPI/0.0.2|>=1.0|0.0.10|<0.0.1'))).toBe('vers:pypi/<0.0.1|0.0.2|0.0.10|>=1.0');
  });

  it('encodes only the characters a version must carry encoded', () => {
    expect(formatVers({ scheme: 'maven', star: false, constraints: [{ comparator: '>=', version: '1.0 Final|x' }] })).toBe('vers:maven/>=1.0%20Final%7Cx');
  });
});

describe('versContains', () => {
  it.each([
    ['vers:npm/*', '1.0.0', true],
    ['vers:pypi/>=1.0.0|<=2.0.0', '1.5', true],
    ['vers:pypi/>=1.0.0|<=2.0.0', '2.0.0', true],
    ['vers:pypi/>=1.0.0|<2.0.0', '2.0.0', false],
    ['vers:pypi/<=1.0.0|>=2.0.0', '1.5', false],
    ['vers:pypi/<=1.0.0|>=2.0.0', '3', true],
    ['vers:pypi/>=3.0.0|2.0.3', '2.0.3', true],
    ['vers:pypi/>=3.0.0|!=2.0.3', '2.0.3', false],
    ['vers:npm/!=1.0.0', '1.0.1', true],
    ['vers:npm/1.0.0|2.0.0', '1.5.0', false],
    ['vers:maven/>=2.0|<2.17.1', '2.17.0', true],
  ])('%s contains %s: %s', (range, version, expected) => {
    expect(versContains(range, version)).toBe(expected);
  });

  it('compares by the ecosystem ordering, not by text (PEP 440: 1.0 equals 1.0.0)', () => {
    expect(versContains('vers:pypi/1.0', '1.0.0')).toBe(true);
    expect(versSchemeOrdering('datetime')?.('2024-01-01T00:00:00Z', '2023-12-31T19:00:00-05:00')).toBe(0);
  });
});
