import { describe, expect, it } from 'vitest';
import type { VulnerabilityIntelDraft } from '../../../functions/ingest/intel-draft.ts';
import { OSV_SOURCE, parseOsvRecords } from '../../../functions/ingest/sources/osv/osv-parser.ts';
import {
  compiledPackagesOf,
  matchPackageComponent,
  matchPackages,
  packageComponent,
  sameRelease,
  type PackageComponent,
} from '../../../functions/match/package-match.ts';
import type { Vulnerability } from '../../../functions/model/vulnerability.ts';
import { purlPackageKey } from '../../../functions/store/keys.ts';
import { vulnerabilityOf } from './package-cases.ts';

/**
 * purl x OSV matching on hand-built OSV records (schema 1.6, the fields as OSV serves them), read by the
 * real OSV parser and assembled into the stored vulnerability view, as ingest does.
 */

const context = { source: OSV_SOURCE, now: '2026-01-15T00:00:00Z' };

type Events = ReadonlyArray<Record<string, string>>;
interface EntryInput {
  ecosystem: string;
  name: string;
  events?: Events;
  versions?: string[];
  purl?: string;
  lastKnownAffected?: string;
}

const entry = ({ ecosystem, name, events, versions, purl, lastKnownAffected }: EntryInput) => ({
  package: { ecosystem, name, ...(purl ? { purl } : {}) },
  ...(events ? { ranges: [{ type: 'ECOSYSTEM', events }] } : {}),
  ...(versions ? { versions } : {}),
  ...(lastKnownAffected ? { database_specific: { last_known_affected_version_range: lastKnownAffected } } : {}),
});

const record = (id: string, aliases: string[], affected: unknown[], extra: Record<string, unknown> = {}) => ({
  schema_version: '1.6.0',
  id,
  modified: '2025-01-01T00:00:00Z',
  published: '2024-12-01T00:00:00Z',
  aliases,
  affected,
  ...extra,
});

/** The one vulnerability the records assemble into. */
function vulnerabilityFromRecords(...records: object[]): Vulnerability {
  const parsed = parseOsvRecords(JSON.stringify(records), context);
  expect(parsed.rejected).toEqual([]);
  expect(parsed.drafts).toHaveLength(1);
  return vulnerabilityOf(parsed.drafts[0] as VulnerabilityIntelDraft, context.now);
}

/** The compiled entries of one package key. */
function criteriaOf(vulnerability: Vulnerability, purl: string) {
  return compiledPackagesOf(vulnerability).byPackageKey.get(purlPackageKey(purl)) ?? [];
}

const component = (purl: string): PackageComponent => {
  const parsed = packageComponent(purl);
  if (!parsed) throw new Error(`unreadable purl ${purl}`);
  return parsed;
};

const from = (introduced: string) => ({ introduced });
const fixed = (version: string) => ({ fixed: version });

describe('compiledPackagesOf', () => {
  it('files each entry under its package key, with the advisory, ecosystem, purl and distro', () => {
    const vulnerability = vulnerabilityFromRecords(
      record('DSA-5103-1', ['CVE-2022-0778'], [entry({ ecosystem: 'Debian:11', name: 'openssl', events: [from('0'), fixed('1.1.1k-1+deb11u2')] })]),
    );
    const criteria = criteriaOf(vulnerability, 'pkg:deb/debian/openssl');
    expect(criteria).toHaveLength(1);
    expect(criteria[0]).toMatchObject({ advisory: 'DSA-5103-1', ecosystem: 'Debian:11', purl: 'pkg:deb/debian/openssl?distro=debian-11', distro: 'debian-11' });
  });

  it('leaves out a withdrawn advisory and keeps the standing one of the same CVE', () => {
    const vulnerability = vulnerabilityFromRecords(
      record('GHSA-aaaa-bbbb-cccc', ['CVE-2024-0001'], [entry({ ecosystem: 'npm', name: 'left-pad', events: [from('0'), fixed('1.3.0')] })], { withdrawn: '2024-12-15T00:00:00Z' }),
      record('PYSEC-2024-1', ['CVE-2024-0001'], [entry({ ecosystem: 'PyPI', name: 'left-pad', events: [from('0'), fixed('1.3.0')] })]),
    );
    const { byPackageKey } = compiledPackagesOf(vulnerability);
    expect([...byPackageKey.keys()]).toEqual(['purl:pypi/left-pad']);
    expect(byPackageKey.get('purl:pypi/left-pad')?.map((c) => c.advisory)).toEqual(['PYSEC-2024-1']);
  });

  it('leaves out entries without a purl: GIT-only entries and ecosystems without a purl type', () => {
    const vulnerability = vulnerabilityFromRecords(
      record('GHSA-dddd-eeee-ffff', ['CVE-2024-0002'], [
        { ranges: [{ type: 'GIT', repo: 'https://github.com/example/lib', events: [from('0'), fixed('9f1f8a6e2b3c4d5e6f708192a3b4c5d6e7f80912')] }] },
        entry({ ecosystem: 'Hex', name: 'plug', events: [from('0'), fixed('1.3.5')] }),
        entry({ ecosystem: 'crates.io', name: 'regex', events: [from('0'), fixed('1.5.5')] }),
      ]),
    );
    expect([...compiledPackagesOf(vulnerability).byPackageKey.keys()]).toEqual(['purl:cargo/regex']);
  });

  it('is empty for a vulnerability without OSV facts', () => {
    const bare: Vulnerability = { tenant: 'default', id: 'CVE-2024-0003', enrichment: 'done', sources: [], updatedAt: context.now };
    expect(compiledPackagesOf(bare).byPackageKey.size).toBe(0);
  });

  it('is compiled once per stored facts object (the same result for a copy of the record holding the same facts)', () => {
    const vulnerability = vulnerabilityFromRecords(record('GHSA-35jh-r3h4-6jhm', ['CVE-2021-23337'], [entry({ ecosystem: 'npm', name: 'lodash', events: [from('0'), fixed('4.17.21')] })]));
    const first = compiledPackagesOf(vulnerability);
    expect(compiledPackagesOf(vulnerability)).toBe(first);
    expect(compiledPackagesOf({ ...vulnerability })).toBe(first);
    // Other facts, another compilation.
    const other = vulnerabilityFromRecords(record('GHSA-35jh-r3h4-6jhm', ['CVE-2021-23337'], [entry({ ecosystem: 'npm', name: 'lodash', events: [from('0'), fixed('4.17.21')] })]));
    expect(compiledPackagesOf(other)).not.toBe(first);
    expect(compiledPackagesOf(other)).toEqual(first);
  });
});

describe('packageComponent', () => {
  it.each([
    ['rpm epoch qualifier joins the version', 'pkg:rpm/redhat/openssl@1.1.1k-6.el8_5?arch=x86_64&epoch=1', '1:1.1.1k-6.el8_5', undefined],
    ['rpm version that already carries an epoch keeps it', 'pkg:rpm/redhat/openssl@1:1.1.1k-6.el8_5?epoch=1', '1:1.1.1k-6.el8_5', undefined],
    ['rpm without epoch qualifier', 'pkg:rpm/redhat/openssl@1.1.1k-6.el8_5?arch=x86_64', '1.1.1k-6.el8_5', undefined],
    ['the epoch qualifier of a non-rpm purl is not joined', 'pkg:deb/debian/openssl@1.1.1k-1?epoch=1', '1.1.1k-1', undefined],
    ['Go toolchain as syft names it loses its go prefix', 'pkg:golang/stdlib@go1.21.2', '1.21.2', undefined],
    ['a Go module version keeps its v', 'pkg:golang/golang.org/x/net@v0.17.0', 'v0.17.0', undefined],
    ['the distro qualifier is kept', 'pkg:deb/debian/openssl@1.1.1k-1?distro=debian-11', '1.1.1k-1', 'debian-11'],
    ['no version', 'pkg:npm/lodash', '', undefined],
  ])('%s: %s -> version %s', (_name, purl, version, distro) => {
    const parsed = packageComponent(purl);
    expect(parsed).toEqual({ purl, packageKey: purlPackageKey(purl), version, ...(distro ? { distro } : {}) });
  });

  it('gives undefined for a string packageurl-js cannot read', () => {
    expect(packageComponent('not a purl')).toBeUndefined();
    expect(packageComponent('pkg:')).toBeUndefined();
  });
});

describe('sameRelease', () => {
  it.each([
    ['redhat-8', 'rhel-8.5', true, 'syft writes rhel, OSV redhat; 8.5 is a point release of 8'],
    ['redhat-8', 'centos-8', true, 'CentOS counts as the Red Hat family'],
    ['alpine-3.15', 'alpine-3.15.0', true, 'point release of 3.15'],
    ['alpine-3.15', 'alpine-3.15', true, 'the same release'],
    ['alpine-3.15', 'alpine-3.16', false, 'another release'],
    ['alpine-3.1', 'alpine-3.15', false, 'a prefix only counts at a dot'],
    ['debian-11', 'debian-bullseye', true, 'Debian code name of 11'],
    ['debian-12', 'debian-bookworm', true, 'Debian code name of 12'],
    ['debian-11', 'debian-bookworm', false, 'bookworm is 12'],
    ['debian-12', 'ubuntu-22.04', false, 'another family'],
    ['rocky-8', 'rocky-8.5', true, 'point release of 8'],
    ['rocky-8', 'rockylinux-8.5', true, 'rockylinux is rocky'],
    ['rocky-8', 'redhat-8', false, 'Rocky and Red Hat are different families'],
    ['almalinux-8', 'alma-8.6', true, 'alma is almalinux'],
    ['alpine-3.15', 'alpine-v3.15', true, 'a leading v on the release is dropped'],
    ['debian-12', 'debian', true, 'a component without a release is not held against any'],
  ])('entry %s, component %s -> %s (%s)', (entryDistro, componentDistro, expected) => {
    expect(sameRelease(entryDistro, componentDistro)).toBe(expected);
  });
});

describe('matchPackageComponent', () => {
  // RHSA-2022:1065 as OSV serves it: the fixed EVR carries the epoch.
  const rhsa = vulnerabilityFromRecords(
    record('RHSA-2022:1065', ['CVE-2022-0778'], [entry({ ecosystem: 'Red Hat:enterprise_linux:8::baseos', name: 'openssl', events: [from('0'), fixed('1:1.1.1k-6.el8_5')] })]),
  );

  it.each([
    ['pkg:rpm/redhat/openssl@1.1.1k-6.el8_5?arch=x86_64&epoch=1', false, 'the fixed EVR once the epoch qualifier joins the version'],
    ['pkg:rpm/redhat/openssl@1.1.1k-5.el8_5?arch=x86_64&epoch=1', true, 'release 5, before the fixed release 6'],
    ['pkg:rpm/redhat/openssl@1.1.1k-7.el8_6?arch=x86_64&epoch=1&distro=rhel-8.6', false, 'after the fix, on RHEL 8.6 (a point release of 8)'],
    ['pkg:rpm/redhat/openssl@1.1.1k-5.el8_5?arch=x86_64&epoch=1&distro=rhel-8.5', true, 'before the fix, on RHEL 8.5'],
  ])('RHSA-2022:1065 (fixed 1:1.1.1k-6.el8_5): %s affected=%s (%s)', (purl, affected) => {
    const result = matchPackageComponent(criteriaOf(rhsa, purl), component(purl));
    expect(result.undecided).toEqual([]);
    if (affected) expect(result.match).toMatchObject({ component: purl, advisory: 'RHSA-2022:1065', ecosystem: 'Red Hat:enterprise_linux:8::baseos' });
    else expect(result.match).toBeUndefined();
  });

  it('without the epoch qualifier the version is epoch 0 and sorts before every 1: version (affected)', () => {
    const purl = 'pkg:rpm/redhat/openssl@1.1.1k-6.el8_5?arch=x86_64';
    expect(matchPackageComponent(criteriaOf(rhsa, purl), component(purl)).match?.version).toBe('1.1.1k-6.el8_5');
  });

  describe('a distro-qualified component is only held against its release', () => {
    // DSA-5103-1: bullseye fixed in 1.1.1k-1+deb11u2, buster in 1.1.1d-0+deb10u8.
    const dsa = vulnerabilityFromRecords(
      record('DSA-5103-1', ['CVE-2022-0778'], [
        entry({ ecosystem: 'Debian:11', name: 'openssl', events: [from('0'), fixed('1.1.1k-1+deb11u2')] }),
        entry({ ecosystem: 'Debian:10', name: 'openssl', events: [from('0'), fixed('1.1.1d-0+deb10u8')] }),
      ]),
    );

    it.each([
      ['pkg:deb/debian/openssl@1.1.1d-0%2Bdeb10u9?distro=debian-10', undefined, 'buster, after the buster fix; the later bullseye fix is not held against it'],
      ['pkg:deb/debian/openssl@1.1.1d-0%2Bdeb10u9?distro=debian-buster', undefined, 'the same, by code name'],
      ['pkg:deb/debian/openssl@1.1.1d-0%2Bdeb10u9', 'Debian:11', 'no distro: every release applies, and the bullseye fix is later'],
      ['pkg:deb/debian/openssl@1.1.1k-1%2Bdeb11u1?distro=debian-bullseye', 'Debian:11', 'bullseye by code name, before its fix'],
      ['pkg:deb/debian/openssl@1.1.1k-1%2Bdeb11u1?distro=ubuntu-22.04', undefined, 'another family: no Debian entry applies'],
    ])('%s -> %s (%s)', (purl, ecosystem, _why) => {
      const result = matchPackageComponent(criteriaOf(dsa, purl), component(purl));
      expect(result.match?.ecosystem).toBe(ecosystem);
      expect(result.undecided).toEqual([]);
    });
  });

  describe("GHSA's last_known_affected_version_range closes an open range", () => {
    // GHSA-75v8-2h7p-7m2m as GitHub serves it: the 2.x range has no closing event, only the bound.
    const formidable = vulnerabilityFromRecords(
      record('GHSA-75v8-2h7p-7m2m', ['CVE-2025-46653'], [
        entry({ ecosystem: 'npm', name: 'formidable', events: [from('3.1.1-canary.20211030'), fixed('3.5.3')] }),
        entry({ ecosystem: 'npm', name: 'formidable', events: [from('2.1.0')], lastKnownAffected: '< 2.1.3' }),
      ]),
    );

    it.each([
      ['3.5.3', false, 'the fix of the 3.x range, and beyond < 2.1.3 of the open 2.x range'],
      ['3.6.0', false, 'after every fix'],
      ['2.1.3', false, 'the bound is exclusive'],
      ['2.1.2', true, 'inside [2.1.0, 2.1.3)'],
      ['2.1.0', true, 'introduced'],
      ['3.5.2', true, 'before the 3.x fix'],
      ['2.0.1', false, 'before either range'],
    ])('formidable %s affected=%s (%s)', (version, affected) => {
      const purl = `pkg:npm/formidable@${version}`;
      const result = matchPackageComponent(criteriaOf(formidable, purl), component(purl));
      expect(result.undecided).toEqual([]);
      expect(result.match !== undefined).toBe(affected);
    });

    it('the 2.x entry reads the bound from database_specific', () => {
      expect(criteriaOf(formidable, 'pkg:npm/formidable').map((c) => c.affected.lastKnownAffectedVersionRange)).toEqual([undefined, '< 2.1.3']);
    });

    it.each([
      ['<= 2.1.3', '2.1.3', true],
      ['<= 2.1.3', '2.1.4', false],
      ['<2.1.3', '2.1.2', true],
    ])('bound "%s": %s affected=%s', (bound, version, affected) => {
      const vulnerability = vulnerabilityFromRecords(
        record('GHSA-gggg-hhhh-jjjj', ['CVE-2025-0004'], [entry({ ecosystem: 'npm', name: 'formidable', events: [from('2.1.0')], lastKnownAffected: bound })]),
      );
      const purl = `pkg:npm/formidable@${version}`;
      expect(matchPackageComponent(criteriaOf(vulnerability, purl), component(purl)).match !== undefined).toBe(affected);
    });

    it('a version the advisory lists as affected stays affected beyond the bound', () => {
      const vulnerability = vulnerabilityFromRecords(
        record('GHSA-kkkk-mmmm-nnnn', ['CVE-2025-0005'], [
          { ...entry({ ecosystem: 'npm', name: 'formidable', events: [from('2.1.0')], lastKnownAffected: '< 2.1.3' }), versions: ['2.1.0', '2.1.1', '2.1.2', '3.0.0'] },
        ]),
      );
      const purl = 'pkg:npm/formidable@3.0.0';
      expect(matchPackageComponent(criteriaOf(vulnerability, purl), component(purl)).match).toBeDefined();
    });
  });

  describe('an unreadable version is undecided, never a silent pass', () => {
    const lodash = vulnerabilityFromRecords(
      record('GHSA-35jh-r3h4-6jhm', ['CVE-2021-23337'], [entry({ ecosystem: 'npm', name: 'lodash', events: [from('0'), fixed('4.17.21')] })]),
    );
    // An introduced event other than 0, so the version has to be ordered.
    const zipObjectDeep = vulnerabilityFromRecords(
      record('GHSA-p6mc-m468-83gw', ['CVE-2020-8203'], [entry({ ecosystem: 'npm', name: 'lodash', events: [from('3.7.0'), fixed('4.17.19')] })]),
    );

    it.each([
      ['introduced 0', lodash, 'GHSA-35jh-r3h4-6jhm'],
      ['introduced 3.7.0', zipObjectDeep, 'GHSA-p6mc-m468-83gw'],
    ])('lodash@not.a.version against %s: no match, one entry that needs review', (_name, vulnerability, advisory) => {
      const purl = 'pkg:npm/lodash@not.a.version';
      const result = matchPackageComponent(criteriaOf(vulnerability, purl), component(purl));
      expect(result.match).toBeUndefined();
      expect(result.undecided).toHaveLength(1);
      expect(result.undecided[0]).toMatchObject({ component: purl, advisory });
      expect(result.undecided[0]?.reason).toMatch(/^needs review: /);
      expect(result.undecided[0]?.reason).toContain('not.a.version');
    });

    it('matchPackages passes the undecided entry on', () => {
      const purl = 'pkg:npm/lodash@not.a.version';
      const result = matchPackages(compiledPackagesOf(zipObjectDeep), [component(purl)]);
      expect(result.matches).toEqual([]);
      expect(result.undecided.map((u) => u.reason)).toEqual([expect.stringMatching(/^needs review: .*not\.a\.version/)]);
    });

    it('an ecosystem without a version ordering is undecided too', () => {
      const vulnerability = vulnerabilityFromRecords(
        record('GHSA-pppp-qqqq-rrrr', ['CVE-2025-0006'], [entry({ ecosystem: 'npm', name: 'lodash', events: [from('1.0.0'), fixed('4.17.21')] })]),
      );
      const criteria = criteriaOf(vulnerability, 'pkg:npm/lodash').map((c) => ({ ...c, ecosystem: 'NoSuchEcosystem' }));
      const result = matchPackageComponent(criteria, component('pkg:npm/lodash@4.17.20'));
      expect(result.match).toBeUndefined();
      expect(result.undecided).toEqual([{ component: 'pkg:npm/lodash@4.17.20', advisory: 'GHSA-pppp-qqqq-rrrr', reason: expect.stringMatching(/^needs review: no version ordering for ecosystem "NoSuchEcosystem"/) }]);
    });
  });

  describe('NuGet package ids are case-insensitive', () => {
    const newtonsoft = vulnerabilityFromRecords(
      record('GHSA-5crp-9r3c-p9vr', ['CVE-2024-21907'], [entry({ ecosystem: 'NuGet', name: 'Newtonsoft.Json', events: [from('0'), fixed('13.0.1')] })]),
    );

    it('the advisory for Newtonsoft.Json is filed under the lower-cased key', () => {
      expect([...compiledPackagesOf(newtonsoft).byPackageKey.keys()]).toEqual(['purl:nuget/newtonsoft.json']);
      expect(purlPackageKey('pkg:nuget/newtonsoft.json@12.0.3')).toBe(purlPackageKey('pkg:nuget/Newtonsoft.Json@12.0.3'));
    });

    it.each([
      ['pkg:nuget/newtonsoft.json@12.0.3', true],
      ['pkg:nuget/NEWTONSOFT.JSON@12.0.3', true],
      ['pkg:nuget/newtonsoft.json@13.0.1', false],
    ])('%s affected=%s', (purl, affected) => {
      const { matches, undecided } = matchPackages(compiledPackagesOf(newtonsoft), [component(purl)]);
      expect(undecided).toEqual([]);
      expect(matches.map((m) => m.advisory)).toEqual(affected ? ['GHSA-5crp-9r3c-p9vr'] : []);
    });
  });

  it('a match names the component, its comparable version, the advisory, ecosystem and the range that decided', () => {
    const purl = 'pkg:golang/stdlib@go1.21.2';
    const go = vulnerabilityFromRecords(
      record('GO-2023-2102', ['CVE-2023-39325'], [{ package: { ecosystem: 'Go', name: 'stdlib' }, ranges: [{ type: 'SEMVER', events: [from('0'), fixed('1.20.10'), from('1.21.0-0'), fixed('1.21.3')] }] }]),
    );
    const { match } = matchPackageComponent(criteriaOf(go, purl), component(purl));
    expect(match).toMatchObject({ component: purl, version: '1.21.2', advisory: 'GO-2023-2102', ecosystem: 'Go' });
    expect(match?.reason).toContain('1.21.2');
  });
});
