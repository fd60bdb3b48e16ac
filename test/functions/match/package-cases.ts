/**
 * Hand-written purl x OSV cases: real advisories, their affected ranges restated by hand (ecosystem,
 * package, range events as OSV gives them), and versions whose verdict was reasoned from those ranges
 * and the ecosystem's version rules, not computed by the matcher. No reference data is copied here:
 * each advisory is a handful of facts (ids, package names, introduced/fixed versions).
 *
 * Advisories with `reference` are in the reference data (/work/shared/data/intel/osv/); the suite checks
 * that the facts stated here agree with the real record. The others are restated from the public
 * advisories (GitHub Advisory Database, Debian/Red Hat/Rocky/Alma/Alpine security data) as OSV serves them.
 */

import type { VulnerabilityIntelDraft } from '../../../functions/ingest/intel-draft.ts';
import { OSV_SOURCE } from '../../../functions/ingest/sources/osv/osv-parser.ts';
import type { Vulnerability } from '../../../functions/model/vulnerability.ts';
import { assembleVulnerability } from '../../../functions/store/intel-repository.ts';

export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface AffectedFacts {
  /** OSV ecosystem, release suffix included (`Debian:11`, `Alpine:v3.15`). */
  readonly ecosystem: string;
  /** The package name as OSV gives it. */
  readonly name: string;
  readonly ranges: readonly { readonly type: 'ECOSYSTEM' | 'SEMVER'; readonly events: readonly RangeEvent[] }[];
  /** Only where the verdict depends on it. */
  readonly versions?: readonly string[];
}

export interface AdvisoryFacts {
  /** OSV id. */
  readonly id: string;
  readonly aliases: readonly string[];
  readonly affected: readonly AffectedFacts[];
  /** The real record's path under the reference data folder, when it is there. */
  readonly reference?: string;
}

/** [version as the inventory's purl carries it, affected?, why]. */
export type VersionCase = readonly [version: string, affected: boolean, why: string];

export interface CaseGroup {
  /** Ecosystem family the cases count under (`npm`, `Maven`, `RPM`, ...). */
  readonly family: string;
  readonly advisory: AdvisoryFacts;
  /** The inventory's package URL without version (qualifiers allowed: `?distro=debian-11`). */
  readonly purl: string;
  readonly cases: readonly VersionCase[];
}

const range = (...events: RangeEvent[]) => ({ type: 'ECOSYSTEM' as const, events });
const semverRange = (...events: RangeEvent[]) => ({ type: 'SEMVER' as const, events });
const from = (introduced: string) => ({ introduced });
const fixed = (version: string) => ({ fixed: version });

// ---------------------------------------------------------------- npm

const LODASH_COMMAND_INJECTION: AdvisoryFacts = {
  id: 'GHSA-35jh-r3h4-6jhm',
  aliases: ['CVE-2021-23337'],
  affected: [
    { ecosystem: 'npm', name: 'lodash', ranges: [range(from('0'), fixed('4.17.21'))] },
    { ecosystem: 'npm', name: 'lodash-es', ranges: [range(from('0'), fixed('4.17.21'))] },
  ],
  reference: 'intel/osv/ghsa/GHSA-35jh-r3h4-6jhm.json',
};

const LODASH_ZIPOBJECTDEEP: AdvisoryFacts = {
  id: 'GHSA-p6mc-m468-83gw',
  aliases: ['CVE-2020-8203'],
  affected: [{ ecosystem: 'npm', name: 'lodash', ranges: [range(from('3.7.0'), fixed('4.17.19'))] }],
};

const MINIMIST_2021: AdvisoryFacts = {
  id: 'GHSA-xvch-5gv4-984h',
  aliases: ['CVE-2021-44906'],
  affected: [
    { ecosystem: 'npm', name: 'minimist', ranges: [range(from('0'), fixed('0.2.4'))] },
    { ecosystem: 'npm', name: 'minimist', ranges: [range(from('1.0.0'), fixed('1.2.6'))] },
  ],
};

const MINIMIST_2020: AdvisoryFacts = {
  id: 'GHSA-vh95-rmgr-6w4m',
  aliases: ['CVE-2020-7598'],
  affected: [
    { ecosystem: 'npm', name: 'minimist', ranges: [range(from('0'), fixed('0.2.1'))] },
    { ecosystem: 'npm', name: 'minimist', ranges: [range(from('1.0.0'), fixed('1.2.3'))] },
  ],
};

const UA_PARSER_MALWARE: AdvisoryFacts = {
  id: 'GHSA-pjwm-rvh2-c87w',
  aliases: [],
  affected: [
    { ecosystem: 'npm', name: 'ua-parser-js', ranges: [range(from('0.7.29'), fixed('0.7.30'))], versions: ['0.7.29'] },
    { ecosystem: 'npm', name: 'ua-parser-js', ranges: [range(from('0.8.0'), fixed('0.8.1'))], versions: ['0.8.0'] },
    { ecosystem: 'npm', name: 'ua-parser-js', ranges: [range(from('1.0.0'), fixed('1.0.1'))], versions: ['1.0.0'] },
  ],
  reference: 'intel/osv/ghsa/GHSA-pjwm-rvh2-c87w.json',
};

const SEMVER_REDOS: AdvisoryFacts = {
  id: 'GHSA-c2qf-rxjj-qqgw',
  aliases: ['CVE-2022-25883'],
  affected: [
    { ecosystem: 'npm', name: 'semver', ranges: [range(from('0'), fixed('5.7.2'))] },
    { ecosystem: 'npm', name: 'semver', ranges: [range(from('6.0.0'), fixed('6.3.1'))] },
    { ecosystem: 'npm', name: 'semver', ranges: [range(from('7.0.0'), fixed('7.5.2'))] },
  ],
};

const FORMIDABLE: AdvisoryFacts = {
  id: 'GHSA-75v8-2h7p-7m2m',
  aliases: ['CVE-2025-46653'],
  affected: [
    { ecosystem: 'npm', name: 'formidable', ranges: [range(from('3.1.1-canary.20211030'), fixed('3.5.3'))] },
    // GHSA knows no fix in 2.x: the range stays open (its `< 2.1.3` bound is only in database_specific).
    { ecosystem: 'npm', name: 'formidable', ranges: [range(from('2.1.0'))] },
  ],
  reference: 'intel/osv/ghsa-trivy-db-testdata/GHSA-75v8-2h7p-7m2m.json',
};

// ---------------------------------------------------------------- Maven

const LOG4SHELL: AdvisoryFacts = {
  id: 'GHSA-jfh8-c2jp-5v3q',
  aliases: ['CVE-2021-44228'],
  affected: [
    { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', ranges: [range(from('2.13.0'), fixed('2.15.0'))] },
    { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', ranges: [range(from('0'), fixed('2.3.1'))] },
    { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', ranges: [range(from('2.4'), fixed('2.12.2'))] },
  ],
  reference: 'intel/osv/ghsa/GHSA-jfh8-c2jp-5v3q.json',
};

const SPRING4SHELL: AdvisoryFacts = {
  id: 'GHSA-36p3-wjmg-h94x',
  aliases: ['CVE-2022-22965'],
  affected: [
    ...['spring-beans', 'spring-webmvc', 'spring-webflux'].flatMap((artifact) => [
      { ecosystem: 'Maven', name: `org.springframework:${artifact}`, ranges: [range(from('0'), fixed('5.2.20.RELEASE'))] },
      { ecosystem: 'Maven', name: `org.springframework:${artifact}`, ranges: [range(from('5.3.0'), fixed('5.3.18'))] },
    ]),
    ...['spring-boot-starter-web', 'spring-boot-starter-webflux'].flatMap((artifact) => [
      { ecosystem: 'Maven', name: `org.springframework.boot:${artifact}`, ranges: [range(from('0'), fixed('2.5.12'))] },
      { ecosystem: 'Maven', name: `org.springframework.boot:${artifact}`, ranges: [range(from('2.6.0'), fixed('2.6.6'))] },
    ]),
  ],
  reference: 'intel/osv/ghsa/GHSA-36p3-wjmg-h94x.json',
};

const SPRING_BOOT_2018: AdvisoryFacts = {
  id: 'GHSA-xx65-cc7g-9pfp',
  aliases: ['CVE-2018-1196'],
  affected: [{ ecosystem: 'Maven', name: 'org.springframework.boot:spring-boot', ranges: [range(from('1.5.0'), fixed('1.5.10'))] }],
  reference: 'intel/osv/ghsa-trivy-db-testdata/GHSA-xx65-cc7g-9pfp.json',
};

const JACKSON_DEEP_NESTING: AdvisoryFacts = {
  id: 'GHSA-57j2-w4cx-62h2',
  aliases: ['CVE-2020-36518'],
  affected: [
    { ecosystem: 'Maven', name: 'com.fasterxml.jackson.core:jackson-databind', ranges: [range(from('0'), fixed('2.12.6.1'))] },
    { ecosystem: 'Maven', name: 'com.fasterxml.jackson.core:jackson-databind', ranges: [range(from('2.13.0'), fixed('2.13.2.1'))] },
  ],
};

const MYBATIS_PLUS: AdvisoryFacts = {
  id: 'GHSA-32qq-m9fh-f74w',
  aliases: ['CVE-2023-25330'],
  affected: [
    // No fixed event: GHSA's `< 3.5.3.1` is only in database_specific, so OSV's range is open.
    { ecosystem: 'Maven', name: 'com.baomidou:mybatis-plus', ranges: [range(from('0'))] },
    { ecosystem: 'Maven', name: 'com.baomidou:mybatis-plus-copy', ranges: [range(from('0'), fixed('3.5.0'))] },
  ],
  reference: 'intel/osv/ghsa-trivy-db-testdata/GHSA-32qq-m9fh-f74w.json',
};

// ---------------------------------------------------------------- PyPI (all in the reference data)

const DJANGO_2024_70: AdvisoryFacts = {
  id: 'PYSEC-2024-70',
  aliases: ['CVE-2024-42005'],
  affected: [{ ecosystem: 'PyPI', name: 'django', ranges: [range(from('5.0'), fixed('5.0.8'), from('4.2'), fixed('4.2.15'))] }],
  reference: 'intel/osv/pypi/PYSEC-2024-70.yaml',
};

const REQUESTS_2023_74: AdvisoryFacts = {
  id: 'PYSEC-2023-74',
  aliases: ['CVE-2023-32681', 'GHSA-j8r2-6x86-q33q'],
  affected: [{ ecosystem: 'PyPI', name: 'requests', ranges: [range(from('2.3.0'), fixed('2.31.0'))] }],
  reference: 'intel/osv/pypi/PYSEC-2023-74.yaml',
};

const URLLIB3_2023_192: AdvisoryFacts = {
  id: 'PYSEC-2023-192',
  aliases: ['CVE-2023-43804', 'GHSA-v845-jxx5-vc9f'],
  affected: [{ ecosystem: 'PyPI', name: 'urllib3', ranges: [range(from('2.0.0'), fixed('2.0.6'), from('0'), fixed('1.26.17'))] }],
  reference: 'intel/osv/pypi/PYSEC-2023-192.yaml',
};

const FLASK_2023_62: AdvisoryFacts = {
  id: 'PYSEC-2023-62',
  aliases: ['CVE-2023-30861', 'GHSA-m2qf-hxjv-5gpq'],
  affected: [{ ecosystem: 'PyPI', name: 'flask', ranges: [range(from('0'), fixed('2.2.5'), from('2.3.0'), fixed('2.3.2'))] }],
  reference: 'intel/osv/pypi/PYSEC-2023-62.yaml',
};

const CRYPTOGRAPHY_2023_254: AdvisoryFacts = {
  id: 'PYSEC-2023-254',
  aliases: ['CVE-2023-49083', 'GHSA-jfhm-5ghh-2f97'],
  affected: [{ ecosystem: 'PyPI', name: 'cryptography', ranges: [range(from('3.1'), fixed('41.0.6'))] }],
  reference: 'intel/osv/pypi/PYSEC-2023-254.yaml',
};

const AIOHTTP_2024_24: AdvisoryFacts = {
  id: 'PYSEC-2024-24',
  aliases: ['CVE-2024-23334', 'GHSA-5h86-8mv2-jq9f'],
  affected: [{ ecosystem: 'PyPI', name: 'aiohttp', ranges: [range(from('1.0.5'), fixed('3.9.2'))] }],
  reference: 'intel/osv/pypi/PYSEC-2024-24.yaml',
};

const JINJA2_2021_66: AdvisoryFacts = {
  id: 'PYSEC-2021-66',
  aliases: ['CVE-2020-28493', 'SNYK-PYTHON-JINJA2-1012994', 'GHSA-g3rq-g295-4j3m'],
  affected: [{ ecosystem: 'PyPI', name: 'jinja2', ranges: [range(from('0'), fixed('2.11.3'))] }],
  reference: 'intel/osv/pypi/PYSEC-2021-66.yaml',
};

const PYYAML_2018_49: AdvisoryFacts = {
  id: 'PYSEC-2018-49',
  aliases: ['CVE-2017-18342', 'GHSA-rprw-h62v-c2w7'],
  affected: [{ ecosystem: 'PyPI', name: 'pyyaml', ranges: [range(from('0'), fixed('5.1'))] }],
  reference: 'intel/osv/pypi/PYSEC-2018-49.yaml',
};

const PYYAML_2021_142: AdvisoryFacts = {
  id: 'PYSEC-2021-142',
  aliases: ['CVE-2020-14343', 'GHSA-8q59-q68h-6hv4'],
  affected: [{ ecosystem: 'PyPI', name: 'pyyaml', ranges: [range(from('0'), fixed('5.4'))] }],
  reference: 'intel/osv/pypi/PYSEC-2021-142.yaml',
};

const SETUPTOOLS_2022_43012: AdvisoryFacts = {
  id: 'PYSEC-2022-43012',
  aliases: ['CVE-2022-40897'],
  affected: [{ ecosystem: 'PyPI', name: 'setuptools', ranges: [range(from('0'), fixed('65.5.1'))] }],
  reference: 'intel/osv/pypi/PYSEC-2022-43012.yaml',
};

// ---------------------------------------------------------------- Go

const X_CRYPTO_SSH: AdvisoryFacts = {
  id: 'GHSA-v778-237x-gjrc',
  aliases: ['CVE-2024-45337'],
  affected: [{ ecosystem: 'Go', name: 'golang.org/x/crypto', ranges: [range(from('0'), fixed('0.31.0'))] }],
  reference: 'intel/osv/ghsa-trivy-db-testdata/GHSA-v778-237x-gjrc.json',
};

const NET_HTTP_CONTINUATION: AdvisoryFacts = {
  id: 'GHSA-4v7x-pqxf-cx7m',
  aliases: ['CVE-2023-45288'],
  affected: [
    { ecosystem: 'Go', name: 'net/http', ranges: [range(from('0'), fixed('1.21.9'))] },
    { ecosystem: 'Go', name: 'net/http', ranges: [range(from('1.22.0-0'), fixed('1.22.2'))] },
  ],
  reference: 'intel/osv/ghsa-trivy-db-testdata/GHSA-4v7x-pqxf-cx7m.json',
};

const HTTP2_RAPID_RESET_GHSA: AdvisoryFacts = {
  id: 'GHSA-qppj-fm5r-hxr3',
  aliases: ['CVE-2023-44487'],
  affected: [
    { ecosystem: 'Go', name: 'golang.org/x/net', ranges: [range(from('0'), fixed('0.17.0'))] },
    { ecosystem: 'Go', name: 'google.golang.org/grpc', ranges: [range(from('0'), fixed('1.56.3'))] },
    { ecosystem: 'Go', name: 'google.golang.org/grpc', ranges: [range(from('1.57.0'), fixed('1.57.1'))] },
    { ecosystem: 'Go', name: 'google.golang.org/grpc', ranges: [range(from('1.58.0'), fixed('1.58.3'))] },
  ],
};

const HTTP2_RAPID_RESET_GO: AdvisoryFacts = {
  id: 'GO-2023-2102',
  aliases: ['CVE-2023-39325', 'GHSA-4374-p667-p6c8'],
  affected: [
    { ecosystem: 'Go', name: 'stdlib', ranges: [semverRange(from('0'), fixed('1.20.10'), from('1.21.0-0'), fixed('1.21.3'))] },
    { ecosystem: 'Go', name: 'golang.org/x/net', ranges: [semverRange(from('0'), fixed('0.17.0'))] },
  ],
};

// ---------------------------------------------------------------- NuGet

const NEWTONSOFT_JSON: AdvisoryFacts = {
  id: 'GHSA-5crp-9r3c-p9vr',
  aliases: ['CVE-2024-21907'],
  affected: [{ ecosystem: 'NuGet', name: 'Newtonsoft.Json', ranges: [range(from('0'), fixed('13.0.1'))] }],
};

const ENCODINGS_WEB: AdvisoryFacts = {
  id: 'GHSA-ghhp-997w-qr28',
  aliases: ['CVE-2021-26701'],
  affected: [
    { ecosystem: 'NuGet', name: 'System.Text.Encodings.Web', ranges: [range(from('4.0.0'), fixed('4.5.1'))] },
    { ecosystem: 'NuGet', name: 'System.Text.Encodings.Web', ranges: [range(from('4.6.0'), fixed('4.7.2'))] },
    { ecosystem: 'NuGet', name: 'System.Text.Encodings.Web', ranges: [range(from('5.0.0'), fixed('5.0.1'))] },
  ],
};

// ---------------------------------------------------------------- RubyGems

const NOKOGIRI_REDOS: AdvisoryFacts = {
  id: 'GHSA-crjr-9rc5-ghw8',
  aliases: ['CVE-2022-24836'],
  affected: [{ ecosystem: 'RubyGems', name: 'nokogiri', ranges: [range(from('0'), fixed('1.13.4'))] }],
};

const ACTIVERECORD_YAML: AdvisoryFacts = {
  id: 'GHSA-3hhc-qp5v-9p2j',
  aliases: ['CVE-2022-32224'],
  affected: [
    { ecosystem: 'RubyGems', name: 'activerecord', ranges: [range(from('0'), fixed('5.2.8.1'))] },
    { ecosystem: 'RubyGems', name: 'activerecord', ranges: [range(from('6.0.0'), fixed('6.0.5.1'))] },
    { ecosystem: 'RubyGems', name: 'activerecord', ranges: [range(from('6.1.0'), fixed('6.1.6.1'))] },
    { ecosystem: 'RubyGems', name: 'activerecord', ranges: [range(from('7.0.0'), fixed('7.0.3.1'))] },
  ],
};

// ---------------------------------------------------------------- Packagist

const GUZZLE_CURL_AUTH: AdvisoryFacts = {
  id: 'GHSA-w248-ffj2-4v5q',
  aliases: ['CVE-2022-31090'],
  affected: [
    { ecosystem: 'Packagist', name: 'guzzlehttp/guzzle', ranges: [range(from('0'), fixed('6.5.8'))] },
    { ecosystem: 'Packagist', name: 'guzzlehttp/guzzle', ranges: [range(from('7.0.0'), fixed('7.4.5'))] },
  ],
};

const PSR7_HEADERS: AdvisoryFacts = {
  id: 'GHSA-wxmh-65f7-jcvw',
  aliases: ['CVE-2023-29197'],
  affected: [
    { ecosystem: 'Packagist', name: 'guzzlehttp/psr7', ranges: [range(from('0'), fixed('1.9.1'))] },
    { ecosystem: 'Packagist', name: 'guzzlehttp/psr7', ranges: [range(from('2.0.0'), fixed('2.4.5'))] },
  ],
};

// ---------------------------------------------------------------- crates.io

const REGEX_REDOS: AdvisoryFacts = {
  id: 'GHSA-m5pq-gvj9-9vr8',
  aliases: ['CVE-2022-24713'],
  affected: [{ ecosystem: 'crates.io', name: 'regex', ranges: [range(from('0'), fixed('1.5.5'))] }],
};

const SMALLVEC_INSERT_MANY: AdvisoryFacts = {
  id: 'GHSA-43w2-9j62-hq99',
  aliases: ['CVE-2021-25900'],
  affected: [
    { ecosystem: 'crates.io', name: 'smallvec', ranges: [range(from('0.6.3'), fixed('0.6.14'))] },
    { ecosystem: 'crates.io', name: 'smallvec', ranges: [range(from('1.0.0'), fixed('1.6.1'))] },
  ],
};

const TOKIO_ONESHOT: AdvisoryFacts = {
  id: 'GHSA-fg7r-2g4j-5cgr',
  aliases: ['CVE-2021-45710'],
  affected: [
    { ecosystem: 'crates.io', name: 'tokio', ranges: [range(from('0.1.14'), fixed('1.8.4'))] },
    { ecosystem: 'crates.io', name: 'tokio', ranges: [range(from('1.9.0'), fixed('1.13.1'))] },
  ],
};

// ---------------------------------------------------------------- Debian

const DSA_OPENSSL_BN_MOD_SQRT: AdvisoryFacts = {
  id: 'DSA-5103-1',
  aliases: ['CVE-2022-0778'],
  affected: [
    { ecosystem: 'Debian:11', name: 'openssl', ranges: [range(from('0'), fixed('1.1.1k-1+deb11u2'))] },
    { ecosystem: 'Debian:10', name: 'openssl', ranges: [range(from('0'), fixed('1.1.1d-0+deb10u8'))] },
  ],
};

const DSA_GLIBC_LOONEY_TUNABLES: AdvisoryFacts = {
  id: 'DSA-5514-1',
  aliases: ['CVE-2023-4911'],
  affected: [{ ecosystem: 'Debian:12', name: 'glibc', ranges: [range(from('0'), fixed('2.36-9+deb12u3'))] }],
};

const DSA_BIND9: AdvisoryFacts = {
  id: 'DSA-5235-1',
  aliases: ['CVE-2022-2795', 'CVE-2022-3080', 'CVE-2022-38177', 'CVE-2022-38178'],
  affected: [{ ecosystem: 'Debian:11', name: 'bind9', ranges: [range(from('0'), fixed('1:9.16.33-1~deb11u1'))] }],
};

// ---------------------------------------------------------------- RPM (Red Hat, Rocky, Alma)

const rpmOpensslFix = (id: string, ecosystem: string): AdvisoryFacts => ({
  id,
  aliases: ['CVE-2022-0778'],
  affected: [{ ecosystem, name: 'openssl', ranges: [range(from('0'), fixed('1:1.1.1k-6.el8_5'))] }],
});
const RHSA_OPENSSL = rpmOpensslFix('RHSA-2022:1065', 'Red Hat:enterprise_linux:8::baseos');
const RLSA_OPENSSL = rpmOpensslFix('RLSA-2022:1065', 'Rocky Linux:8');
const ALSA_OPENSSL = rpmOpensslFix('ALSA-2022:1065', 'AlmaLinux:8');

// ---------------------------------------------------------------- Alpine

const ALPINE_OPENSSL_BN_MOD_SQRT: AdvisoryFacts = {
  id: 'ALPINE-CVE-2022-0778',
  aliases: ['CVE-2022-0778'],
  affected: [{ ecosystem: 'Alpine:v3.15', name: 'openssl', ranges: [range(from('0'), fixed('1.1.1n-r0'))] }],
};

const ALPINE_MUSL_WCSNRTOMBS: AdvisoryFacts = {
  id: 'ALPINE-CVE-2020-28928',
  aliases: ['CVE-2020-28928'],
  affected: [
    { ecosystem: 'Alpine:v3.13', name: 'musl', ranges: [range(from('0'), fixed('1.2.2_pre2-r0'))] },
    { ecosystem: 'Alpine:v3.12', name: 'musl', ranges: [range(from('0'), fixed('1.1.24-r10'))] },
  ],
};

export const ADVISORIES: readonly AdvisoryFacts[] = [
  LODASH_COMMAND_INJECTION, LODASH_ZIPOBJECTDEEP, MINIMIST_2021, MINIMIST_2020, UA_PARSER_MALWARE, SEMVER_REDOS, FORMIDABLE,
  LOG4SHELL, SPRING4SHELL, SPRING_BOOT_2018, JACKSON_DEEP_NESTING, MYBATIS_PLUS,
  DJANGO_2024_70, REQUESTS_2023_74, URLLIB3_2023_192, FLASK_2023_62, CRYPTOGRAPHY_2023_254, AIOHTTP_2024_24, JINJA2_2021_66,
  PYYAML_2018_49, PYYAML_2021_142, SETUPTOOLS_2022_43012,
  X_CRYPTO_SSH, NET_HTTP_CONTINUATION, HTTP2_RAPID_RESET_GHSA, HTTP2_RAPID_RESET_GO,
  NEWTONSOFT_JSON, ENCODINGS_WEB,
  NOKOGIRI_REDOS, ACTIVERECORD_YAML,
  GUZZLE_CURL_AUTH, PSR7_HEADERS,
  REGEX_REDOS, SMALLVEC_INSERT_MANY, TOKIO_ONESHOT,
  DSA_OPENSSL_BN_MOD_SQRT, DSA_GLIBC_LOONEY_TUNABLES, DSA_BIND9,
  RHSA_OPENSSL, RLSA_OPENSSL, ALSA_OPENSSL,
  ALPINE_OPENSSL_BN_MOD_SQRT, ALPINE_MUSL_WCSNRTOMBS,
];

const T = true;
const F = false;

export const CASE_GROUPS: readonly CaseGroup[] = [
  // ------------------------------------------------------------ npm
  {
    family: 'npm', advisory: LODASH_COMMAND_INJECTION, purl: 'pkg:npm/lodash',
    cases: [
      ['4.17.20', T, 'just below fixed 4.17.21'],
      ['4.17.21', F, 'the fixed version'],
      ['4.17.19', T, 'below fixed; introduced 0 covers every earlier release'],
      ['4.17.15', T, 'below fixed'],
      ['2.4.2', T, 'introduced 0: every release before the fix'],
      ['0.1.0', T, 'the first release is at or after introduced 0'],
      ['4.17.21-rc.1', T, 'a SemVer pre-release of 4.17.21 sorts before 4.17.21, so it is below fixed'],
    ],
  },
  {
    family: 'npm', advisory: LODASH_COMMAND_INJECTION, purl: 'pkg:npm/lodash-es',
    cases: [
      ['4.17.20', T, 'lodash-es has its own entry, same range [0, 4.17.21)'],
      ['4.17.21', F, 'the fixed version'],
    ],
  },
  {
    family: 'npm', advisory: LODASH_ZIPOBJECTDEEP, purl: 'pkg:npm/lodash',
    cases: [
      ['3.7.0', T, 'the introduced version is affected'],
      ['3.6.0', F, 'just before introduced 3.7.0'],
      ['2.4.2', F, 'before introduced 3.7.0'],
      ['4.17.18', T, 'just below fixed 4.17.19'],
      ['4.17.19', F, 'the fixed version'],
      ['4.17.20', F, 'after the fix (affected by other advisories, not this one)'],
    ],
  },
  {
    family: 'npm', advisory: MINIMIST_2021, purl: 'pkg:npm/minimist',
    cases: [
      ['1.2.5', T, 'just below fixed 1.2.6 in the 1.x range'],
      ['1.2.6', F, 'the fixed version of the 1.x range'],
      ['1.0.0', T, 'introduced 1.0.0 of the second range'],
      ['0.2.3', T, 'just below fixed 0.2.4 of the 0.x range'],
      ['0.2.4', F, 'fixed 0.2.4 of the 0.x range'],
      ['0.2.1', T, 'below 0.2.4'],
      ['1.2.8', F, 'after both fixes'],
    ],
  },
  {
    family: 'npm', advisory: MINIMIST_2020, purl: 'pkg:npm/minimist',
    cases: [
      ['1.2.2', T, 'just below fixed 1.2.3'],
      ['1.2.3', F, 'the fixed version'],
      ['1.2.5', F, 'after fixed 1.2.3'],
      ['0.2.0', T, 'just below fixed 0.2.1 of the 0.x range'],
      ['0.2.1', F, 'fixed 0.2.1'],
      ['0.2.2', F, 'after 0.2.1 and before introduced 1.0.0: the gap between the ranges'],
    ],
  },
  {
    family: 'npm', advisory: UA_PARSER_MALWARE, purl: 'pkg:npm/ua-parser-js',
    cases: [
      ['0.7.29', T, 'a hijacked release, listed in versions and introduced'],
      ['0.7.28', F, 'the release before the hijacked one'],
      ['0.7.30', F, 'the clean release that fixed it'],
      ['0.8.0', T, 'hijacked release'],
      ['0.8.1', F, 'the fix of 0.8.0'],
      ['1.0.0', T, 'hijacked release'],
      ['1.0.1', F, 'the fix of 1.0.0'],
      ['0.7.31', F, 'after 0.7.30, before introduced 0.8.0'],
    ],
  },
  {
    family: 'npm', advisory: SEMVER_REDOS, purl: 'pkg:npm/semver',
    cases: [
      ['7.5.1', T, 'just below fixed 7.5.2'],
      ['7.5.2', F, 'fixed 7.5.2'],
      ['7.0.0', T, 'introduced 7.0.0'],
      ['7.3.2', T, 'inside [7.0.0, 7.5.2)'],
      ['6.3.0', T, 'just below fixed 6.3.1'],
      ['6.3.1', F, 'fixed 6.3.1'],
      ['5.7.1', T, 'just below fixed 5.7.2'],
      ['5.7.2', F, 'fixed 5.7.2, and before introduced 6.0.0'],
      ['7.6.0', F, 'after every fix'],
    ],
  },
  {
    family: 'npm', advisory: FORMIDABLE, purl: 'pkg:npm/formidable',
    cases: [
      ['3.1.1-canary.20211030', T, 'the introduced pre-release itself'],
      ['3.5.2', T, 'just below fixed 3.5.3'],
      ['2.1.0', T, 'introduced 2.1.0 of the open 2.x range'],
      ['2.0.1', F, 'before both introduced events (2.1.0 and 3.1.1-canary)'],
      ['1.2.6', F, 'long before 2.1.0'],
    ],
  },
  // ------------------------------------------------------------ Maven
  {
    family: 'Maven', advisory: LOG4SHELL, purl: 'pkg:maven/org.apache.logging.log4j/log4j-core',
    cases: [
      ['2.14.1', T, 'just below fixed 2.15.0 in [2.13.0, 2.15.0)'],
      ['2.15.0', F, 'fixed 2.15.0'],
      ['2.15.0-rc1', T, 'Maven: an rc qualifier sorts before the release, so below fixed 2.15.0'],
      ['2.15.0-rc2', T, 'rc2 is still before 2.15.0'],
      ['2.15.0-SNAPSHOT', T, 'Maven: a SNAPSHOT sorts before its release'],
      ['2.13.0', T, 'introduced 2.13.0'],
      ['2.13.0-SNAPSHOT', F, 'before introduced 2.13.0 and after fixed 2.12.2: in the gap'],
      ['2.12.1', T, 'just below fixed 2.12.2 in [2.4, 2.12.2)'],
      ['2.12.2', F, 'fixed 2.12.2'],
      ['2.12.4', F, 'after 2.12.2, before 2.13.0'],
      ['2.4', T, 'introduced 2.4'],
      ['2.4.1', T, 'inside [2.4, 2.12.2)'],
      ['2.3', T, 'below fixed 2.3.1 in [0, 2.3.1)'],
      ['2.3.1', F, 'fixed 2.3.1, before introduced 2.4'],
      ['2.0-beta9', T, 'Maven: 2.0-beta9 sorts before 2.3.1, and introduced 0 covers it'],
      ['2.16.0', F, 'after every range'],
      ['2.17.1', F, 'after every range'],
    ],
  },
  {
    family: 'Maven', advisory: SPRING4SHELL, purl: 'pkg:maven/org.springframework/spring-beans',
    cases: [
      ['5.3.17', T, 'just below fixed 5.3.18'],
      ['5.3.18', F, 'fixed 5.3.18'],
      ['5.3.0', T, 'introduced 5.3.0'],
      ['5.2.19.RELEASE', T, 'just below fixed 5.2.20.RELEASE'],
      ['5.2.20.RELEASE', F, 'fixed 5.2.20.RELEASE'],
      ['5.2.20', F, 'Maven: the RELEASE qualifier equals no qualifier, so 5.2.20 is the fixed version'],
      ['5.3.0-RC1', F, 'after 5.2.20.RELEASE and before introduced 5.3.0: in the gap'],
      ['4.3.19.RELEASE', T, 'below 5.2.20.RELEASE, introduced 0'],
      ['5.0.9.RELEASE', T, 'below 5.2.20.RELEASE'],
    ],
  },
  {
    family: 'Maven', advisory: SPRING4SHELL, purl: 'pkg:maven/org.springframework/spring-webmvc',
    cases: [
      ['5.3.17', T, 'spring-webmvc has the same ranges'],
      ['5.3.18', F, 'fixed 5.3.18'],
    ],
  },
  {
    family: 'Maven', advisory: SPRING4SHELL, purl: 'pkg:maven/org.springframework.boot/spring-boot-starter-web',
    cases: [
      ['2.6.5', T, 'just below fixed 2.6.6'],
      ['2.6.6', F, 'fixed 2.6.6'],
      ['2.6.0', T, 'introduced 2.6.0'],
      ['2.5.11', T, 'just below fixed 2.5.12'],
      ['2.5.12', F, 'fixed 2.5.12'],
      ['2.6.0-RC1', F, 'after 2.5.12, before introduced 2.6.0'],
      ['1.5.16.RELEASE', T, 'below 2.5.12, introduced 0'],
    ],
  },
  {
    family: 'Maven', advisory: SPRING_BOOT_2018, purl: 'pkg:maven/org.springframework.boot/spring-boot',
    cases: [
      ['1.5.9.RELEASE', T, 'just below fixed 1.5.10'],
      ['1.5.10.RELEASE', F, 'fixed 1.5.10 (RELEASE is no qualifier)'],
      ['1.5.0.RELEASE', T, 'introduced 1.5.0'],
      ['1.4.7.RELEASE', F, 'before introduced 1.5.0'],
      ['1.5.0.RC1', F, 'Maven: RC1 of 1.5.0 sorts before 1.5.0, so before introduced'],
      ['1.5.16.RELEASE', F, 'after fixed 1.5.10'],
      ['2.0.5.RELEASE', F, 'after fixed 1.5.10'],
    ],
  },
  {
    family: 'Maven', advisory: JACKSON_DEEP_NESTING, purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind',
    cases: [
      ['2.12.6', T, 'just below fixed 2.12.6.1'],
      ['2.12.6.1', F, 'fixed 2.12.6.1 (a fourth number part)'],
      ['2.12.7', F, 'after 2.12.6.1, before introduced 2.13.0'],
      ['2.13.0', T, 'introduced 2.13.0'],
      ['2.13.2', T, 'just below fixed 2.13.2.1'],
      ['2.13.2.1', F, 'fixed 2.13.2.1'],
      ['2.13.2.2', F, 'after 2.13.2.1'],
      ['2.13.0-rc1', F, 'Maven: rc1 of 2.13.0 sorts before 2.13.0 and after 2.12.6.1: in the gap'],
      ['2.10.1', T, 'below 2.12.6.1, introduced 0'],
      ['2.9.10', T, 'below 2.12.6.1'],
      ['2.14.0', F, 'after both ranges'],
    ],
  },
  {
    family: 'Maven', advisory: MYBATIS_PLUS, purl: 'pkg:maven/com.baomidou/mybatis-plus',
    cases: [
      ['3.5.3', T, 'introduced 0 with no fixed: an open range covers it'],
      ['3.0.1', T, 'introduced 0, open range'],
    ],
  },
  {
    family: 'Maven', advisory: MYBATIS_PLUS, purl: 'pkg:maven/com.baomidou/mybatis-plus-copy',
    cases: [
      ['3.4.3', T, 'below fixed 3.5.0'],
      ['3.5.0', F, 'fixed 3.5.0'],
    ],
  },
  // ------------------------------------------------------------ PyPI
  {
    family: 'PyPI', advisory: DJANGO_2024_70, purl: 'pkg:pypi/django',
    cases: [
      ['4.2', T, 'introduced 4.2'],
      ['4.2.0', T, 'PEP 440: 4.2.0 is the same version as 4.2'],
      ['4.2.14', T, 'just below fixed 4.2.15'],
      ['4.2.15', F, 'fixed 4.2.15'],
      ['4.1.13', F, 'before introduced 4.2'],
      ['4.2rc1', F, 'PEP 440: a release candidate of 4.2 sorts before 4.2, so before introduced'],
      ['5.0', T, 'introduced 5.0 (events out of order in the record: sorted first)'],
      ['5.0.7', T, 'just below fixed 5.0.8'],
      ['5.0.8', F, 'fixed 5.0.8'],
      ['5.0rc1', F, 'rc1 of 5.0 is after 4.2.15 and before introduced 5.0'],
      ['5.1', F, 'after both ranges'],
    ],
  },
  {
    family: 'PyPI', advisory: REQUESTS_2023_74, purl: 'pkg:pypi/requests',
    cases: [
      ['2.3.0', T, 'introduced 2.3.0'],
      ['2.2.1', F, 'just before introduced 2.3.0'],
      ['2.30.0', T, 'just below fixed 2.31.0'],
      ['2.31.0', F, 'fixed 2.31.0'],
      ['2.28.1', T, 'inside the range'],
      ['2.31.0rc1', T, 'PEP 440: a pre-release of 2.31.0 sorts before it'],
      ['2.32.0', F, 'after fixed'],
    ],
  },
  {
    family: 'PyPI', advisory: URLLIB3_2023_192, purl: 'pkg:pypi/urllib3',
    cases: [
      ['1.26.16', T, 'just below fixed 1.26.17'],
      ['1.26.17', F, 'fixed 1.26.17'],
      ['1.26.18', F, 'after 1.26.17, before introduced 2.0.0'],
      ['2.0.0', T, 'introduced 2.0.0'],
      ['2.0.5', T, 'just below fixed 2.0.6'],
      ['2.0.6', F, 'fixed 2.0.6'],
      ['2.0.0a1', F, 'PEP 440: alpha of 2.0.0 sorts before 2.0.0, after 1.26.17: in the gap'],
      ['1.25.11', T, 'below 1.26.17, introduced 0'],
    ],
  },
  {
    family: 'PyPI', advisory: FLASK_2023_62, purl: 'pkg:pypi/flask',
    cases: [
      ['2.2.4', T, 'just below fixed 2.2.5'],
      ['2.2.5', F, 'fixed 2.2.5'],
      ['2.3.0', T, 'introduced 2.3.0'],
      ['2.3.1', T, 'just below fixed 2.3.2'],
      ['2.3.2', F, 'fixed 2.3.2'],
      ['2.0.0rc1', T, 'PEP 440 pre-release, below 2.2.5'],
      ['1.1.4', T, 'below 2.2.5'],
      ['3.0.0', F, 'after both ranges'],
    ],
  },
  {
    family: 'PyPI', advisory: CRYPTOGRAPHY_2023_254, purl: 'pkg:pypi/cryptography',
    cases: [
      ['3.1', T, 'introduced 3.1'],
      ['3.0', F, 'just before introduced 3.1'],
      ['41.0.5', T, 'just below fixed 41.0.6'],
      ['41.0.6', F, 'fixed 41.0.6'],
      ['3.4.8', T, 'inside the range'],
      ['42.0.0', F, 'after fixed'],
    ],
  },
  {
    family: 'PyPI', advisory: AIOHTTP_2024_24, purl: 'pkg:pypi/aiohttp',
    cases: [
      ['1.0.5', T, 'introduced 1.0.5'],
      ['1.0.3', F, 'before introduced 1.0.5'],
      ['3.9.1', T, 'just below fixed 3.9.2'],
      ['3.9.2', F, 'fixed 3.9.2'],
      ['3.0.0b0', T, 'PEP 440 beta, inside the range'],
      ['4.0.0a1', F, 'alpha of 4.0.0 sorts after 3.9.2'],
    ],
  },
  {
    family: 'PyPI', advisory: JINJA2_2021_66, purl: 'pkg:pypi/jinja2',
    cases: [
      ['2.11.2', T, 'just below fixed 2.11.3'],
      ['2.11.3', F, 'fixed 2.11.3'],
      ['2.0rc1', T, 'PEP 440 1.0rc1-style pre-release, introduced 0'],
      ['3.0.0', F, 'after fixed'],
    ],
  },
  {
    family: 'PyPI', advisory: PYYAML_2018_49, purl: 'pkg:pypi/pyyaml',
    cases: [
      ['5.1b7', T, 'PEP 440: beta of 5.1 sorts before fixed 5.1'],
      ['5.1', F, 'fixed 5.1'],
      ['3.13', T, 'below 5.1'],
      ['5.3.1', F, 'after 5.1'],
    ],
  },
  {
    family: 'PyPI', advisory: PYYAML_2021_142, purl: 'pkg:pypi/pyyaml',
    cases: [
      ['5.1', T, 'below fixed 5.4 (fixed for PYSEC-2018-49, not for this)'],
      ['5.3.1', T, 'just below 5.4 among releases'],
      ['5.4b2', T, 'beta of 5.4 sorts before 5.4'],
      ['5.4', F, 'fixed 5.4'],
      ['5.4.1', F, 'after 5.4'],
      ['6.0', F, 'after 5.4'],
    ],
  },
  {
    family: 'PyPI', advisory: SETUPTOOLS_2022_43012, purl: 'pkg:pypi/setuptools',
    cases: [
      ['65.5.0', T, 'just below fixed 65.5.1'],
      ['65.5.1', F, 'fixed 65.5.1'],
      ['65.5.1.dev0', T, 'PEP 440: a dev release sorts before its release'],
      ['0.6c11', T, 'legacy pre-release spelling, below fixed'],
      ['66.0.0', F, 'after fixed'],
    ],
  },
  // ------------------------------------------------------------ Go
  {
    family: 'Go', advisory: X_CRYPTO_SSH, purl: 'pkg:golang/golang.org/x/crypto',
    cases: [
      ['v0.30.0', T, 'just below fixed 0.31.0 (Go purls carry the v prefix)'],
      ['v0.31.0', F, 'fixed 0.31.0'],
      ['v0.32.0', F, 'after fixed'],
      ['v0.0.0-20211209193657-4570a0811e8b', T, 'a pseudo-version is a pre-release of 0.0.0: below 0.31.0'],
    ],
  },
  {
    family: 'Go', advisory: NET_HTTP_CONTINUATION, purl: 'pkg:golang/net/http',
    cases: [
      ['v1.21.8', T, 'just below fixed 1.21.9'],
      ['v1.21.9', F, 'fixed 1.21.9'],
      ['v1.21.10', F, 'after 1.21.9, before 1.22.0-0'],
      ['v1.22.0', T, 'after introduced 1.22.0-0'],
      ['v1.22.0-rc.1', T, 'SemVer: pre-release rc.1 sorts after pre-release 0, so at or after introduced 1.22.0-0'],
      ['v1.22.1', T, 'just below fixed 1.22.2'],
      ['v1.22.2', F, 'fixed 1.22.2'],
    ],
  },
  {
    family: 'Go', advisory: HTTP2_RAPID_RESET_GHSA, purl: 'pkg:golang/golang.org/x/net',
    cases: [
      ['v0.16.0', T, 'just below fixed 0.17.0'],
      ['v0.17.0', F, 'fixed 0.17.0'],
    ],
  },
  {
    family: 'Go', advisory: HTTP2_RAPID_RESET_GHSA, purl: 'pkg:golang/google.golang.org/grpc',
    cases: [
      ['v1.56.2', T, 'just below fixed 1.56.3'],
      ['v1.56.3', F, 'fixed 1.56.3'],
      ['v1.57.0', T, 'introduced 1.57.0'],
      ['v1.57.1', F, 'fixed 1.57.1'],
      ['v1.58.2', T, 'just below fixed 1.58.3'],
      ['v1.58.3', F, 'fixed 1.58.3'],
      ['v1.59.0', F, 'after every range'],
    ],
  },
  {
    family: 'Go', advisory: HTTP2_RAPID_RESET_GO, purl: 'pkg:golang/stdlib',
    cases: [
      ['v1.21.2', T, 'SEMVER range: just below fixed 1.21.3'],
      ['v1.21.3', F, 'fixed 1.21.3'],
      ['v1.20.9', T, 'just below fixed 1.20.10'],
      ['v1.20.10', F, 'fixed 1.20.10'],
      ['v1.21.0', T, 'after introduced 1.21.0-0'],
    ],
  },
  {
    family: 'Go', advisory: HTTP2_RAPID_RESET_GO, purl: 'pkg:golang/golang.org/x/net',
    cases: [
      ['v0.15.0', T, 'SEMVER range [0, 0.17.0)'],
      ['v0.17.0', F, 'fixed 0.17.0'],
    ],
  },
  // ------------------------------------------------------------ NuGet
  {
    family: 'NuGet', advisory: NEWTONSOFT_JSON, purl: 'pkg:nuget/Newtonsoft.Json',
    cases: [
      ['12.0.3', T, 'just below fixed 13.0.1 among releases'],
      ['13.0.1', F, 'fixed 13.0.1'],
      ['13.0.1.0', F, 'NuGet: a zero fourth part is the same version as 13.0.1'],
      ['13.0.1-beta1', T, 'NuGet pre-release sorts before 13.0.1'],
      ['13.0.2', F, 'after fixed'],
      ['9.0.1', T, 'below fixed'],
    ],
  },
  {
    family: 'NuGet', advisory: NEWTONSOFT_JSON, purl: 'pkg:nuget/newtonsoft.json',
    cases: [
      ['12.0.3', T, 'NuGet ids are case-insensitive: newtonsoft.json is Newtonsoft.Json, below fixed 13.0.1'],
      ['13.0.1', F, 'fixed 13.0.1, whatever the case of the id'],
    ],
  },
  {
    family: 'NuGet', advisory: ENCODINGS_WEB, purl: 'pkg:nuget/System.Text.Encodings.Web',
    cases: [
      ['4.5.0', T, 'just below fixed 4.5.1'],
      ['4.5.1', F, 'fixed 4.5.1'],
      ['4.6.0', T, 'introduced 4.6.0'],
      ['4.7.1', T, 'just below fixed 4.7.2'],
      ['4.7.2', F, 'fixed 4.7.2'],
      ['5.0.0', T, 'introduced 5.0.0'],
      ['5.0.1', F, 'fixed 5.0.1'],
      ['5.0.0-rc.2.20475.5', F, 'pre-release of 5.0.0: after 4.7.2, before introduced 5.0.0'],
      ['6.0.0', F, 'after every range'],
    ],
  },
  // ------------------------------------------------------------ RubyGems
  {
    family: 'RubyGems', advisory: NOKOGIRI_REDOS, purl: 'pkg:gem/nokogiri',
    cases: [
      ['1.13.3', T, 'just below fixed 1.13.4'],
      ['1.13.4', F, 'fixed 1.13.4'],
      ['1.13.4.rc1', T, 'RubyGems: a letter segment makes a pre-release, before 1.13.4'],
      ['1.12.5', T, 'below fixed'],
      ['1.14.0', F, 'after fixed'],
    ],
  },
  {
    family: 'RubyGems', advisory: ACTIVERECORD_YAML, purl: 'pkg:gem/activerecord',
    cases: [
      ['7.0.3', T, 'just below fixed 7.0.3.1'],
      ['7.0.3.1', F, 'fixed 7.0.3.1'],
      ['6.1.6', T, 'just below fixed 6.1.6.1'],
      ['6.1.6.1', F, 'fixed 6.1.6.1'],
      ['6.0.5', T, 'just below fixed 6.0.5.1'],
      ['6.0.5.1', F, 'fixed 6.0.5.1'],
      ['5.2.8', T, 'just below fixed 5.2.8.1'],
      ['5.2.8.1', F, 'fixed 5.2.8.1'],
      ['7.0.0.rc1', F, 'pre-release of 7.0.0: after 6.1.6.1, before introduced 7.0.0'],
      ['6.1.0', T, 'introduced 6.1.0'],
      ['7.0.4', F, 'after every range'],
    ],
  },
  // ------------------------------------------------------------ Packagist
  {
    family: 'Packagist', advisory: GUZZLE_CURL_AUTH, purl: 'pkg:composer/guzzlehttp/guzzle',
    cases: [
      ['7.4.4', T, 'just below fixed 7.4.5'],
      ['7.4.5', F, 'fixed 7.4.5'],
      ['7.0.0', T, 'introduced 7.0.0'],
      ['6.5.7', T, 'just below fixed 6.5.8'],
      ['6.5.8', F, 'fixed 6.5.8'],
      ['7.0.0-beta.1', F, 'Composer: beta of 7.0.0 sorts before it and after 6.5.8: in the gap'],
      ['v7.4.4', T, 'Composer: a leading v is dropped'],
      ['7.5.0', F, 'after every range'],
    ],
  },
  {
    family: 'Packagist', advisory: PSR7_HEADERS, purl: 'pkg:composer/guzzlehttp/psr7',
    cases: [
      ['1.9.0', T, 'just below fixed 1.9.1'],
      ['1.9.1', F, 'fixed 1.9.1'],
      ['2.0.0', T, 'introduced 2.0.0'],
      ['2.4.4', T, 'just below fixed 2.4.5'],
      ['2.4.5', F, 'fixed 2.4.5'],
      ['2.0.0-RC1', F, 'Composer RC of 2.0.0: after 1.9.1, before introduced 2.0.0'],
    ],
  },
  // ------------------------------------------------------------ crates.io
  {
    family: 'crates.io', advisory: REGEX_REDOS, purl: 'pkg:cargo/regex',
    cases: [
      ['1.5.4', T, 'just below fixed 1.5.5'],
      ['1.5.5', F, 'fixed 1.5.5'],
      ['1.5.6', F, 'after fixed'],
      ['0.2.11', T, 'below fixed, introduced 0'],
    ],
  },
  {
    family: 'crates.io', advisory: SMALLVEC_INSERT_MANY, purl: 'pkg:cargo/smallvec',
    cases: [
      ['0.6.3', T, 'introduced 0.6.3'],
      ['0.6.2', F, 'just before introduced 0.6.3'],
      ['0.6.13', T, 'just below fixed 0.6.14'],
      ['0.6.14', F, 'fixed 0.6.14'],
      ['1.0.0', T, 'introduced 1.0.0'],
      ['1.6.0', T, 'just below fixed 1.6.1'],
      ['1.6.1', F, 'fixed 1.6.1'],
      ['1.0.0-alpha.1', F, 'SemVer pre-release of 1.0.0: after 0.6.14, before introduced 1.0.0'],
    ],
  },
  {
    family: 'crates.io', advisory: TOKIO_ONESHOT, purl: 'pkg:cargo/tokio',
    cases: [
      ['0.1.14', T, 'introduced 0.1.14'],
      ['0.1.13', F, 'just before introduced'],
      ['1.8.3', T, 'just below fixed 1.8.4'],
      ['1.8.4', F, 'fixed 1.8.4'],
      ['1.9.0', T, 'introduced 1.9.0'],
      ['1.13.0', T, 'just below fixed 1.13.1'],
      ['1.13.1', F, 'fixed 1.13.1'],
    ],
  },
  // ------------------------------------------------------------ Debian
  {
    family: 'Debian', advisory: DSA_OPENSSL_BN_MOD_SQRT, purl: 'pkg:deb/debian/openssl?distro=debian-11',
    cases: [
      ['1.1.1k-1+deb11u1', T, 'dpkg: deb11u1 sorts before the fixed deb11u2'],
      ['1.1.1k-1+deb11u2', F, 'fixed for bullseye'],
      ['1.1.1k-1', T, 'the bullseye release version, before +deb11u2'],
      ['1.1.1n-0+deb11u3', F, 'a later upstream version than 1.1.1k'],
    ],
  },
  {
    family: 'Debian', advisory: DSA_OPENSSL_BN_MOD_SQRT, purl: 'pkg:deb/debian/openssl?distro=debian-10',
    cases: [
      ['1.1.1d-0+deb10u7', T, 'buster: just below fixed deb10u8'],
      ['1.1.1d-0+deb10u8', F, 'fixed for buster'],
      ['1.1.1d-0+deb10u9', F, 'after the buster fix; the bullseye entry does not apply to debian-10'],
    ],
  },
  {
    family: 'Debian', advisory: DSA_OPENSSL_BN_MOD_SQRT, purl: 'pkg:deb/debian/openssl?distro=debian-bullseye',
    cases: [
      ['1.1.1k-1+deb11u1', T, 'bullseye is the code name of Debian 11: the Debian:11 entry applies, before its fix'],
      ['1.1.1k-1+deb11u2', F, 'the bullseye fix'],
    ],
  },
  {
    family: 'Debian', advisory: DSA_OPENSSL_BN_MOD_SQRT, purl: 'pkg:deb/debian/openssl',
    cases: [
      ['1.1.1d-0+deb10u8', T, 'no distro: every release applies, and the bullseye fix 1.1.1k-1+deb11u2 is later'],
    ],
  },
  {
    family: 'Debian', advisory: DSA_GLIBC_LOONEY_TUNABLES, purl: 'pkg:deb/debian/glibc?distro=debian-12',
    cases: [
      ['2.36-9+deb12u2', T, 'just below fixed deb12u3'],
      ['2.36-9+deb12u3', F, 'fixed 2.36-9+deb12u3'],
      ['2.36-9', T, 'bookworm release version'],
      ['2.36-9+deb12u1', T, 'below deb12u3'],
      ['2.36-9+deb12u4', F, 'after the fix'],
    ],
  },
  {
    family: 'Debian', advisory: DSA_BIND9, purl: 'pkg:deb/debian/bind9?distro=debian-11',
    cases: [
      ['1:9.16.27-1~deb11u1', T, 'same epoch 1, older upstream'],
      ['1:9.16.33-1~deb11u1', F, 'fixed version'],
      ['1:9.16.33-1', F, 'dpkg: ~ sorts before everything, so -1~deb11u1 is before -1: this is after the fix'],
      ['1:9.16.33-0.1', T, 'debian revision 0.1 sorts before 1~deb11u1'],
      ['9.16.33-1~deb11u1', T, 'no epoch means epoch 0, before every 1: version'],
      ['1:9.18.0-1', F, 'later upstream'],
    ],
  },
  // ------------------------------------------------------------ RPM (Red Hat / Rocky / Alma)
  {
    family: 'RPM', advisory: RHSA_OPENSSL, purl: 'pkg:rpm/redhat/openssl?distro=redhat-8',
    cases: [
      ['1:1.1.1k-5.el8_5', T, 'release 5 before fixed release 6'],
      ['1:1.1.1k-6.el8_5', F, 'the fixed EVR'],
      ['1:1.1.1k-7.el8_6', F, 'a later release'],
      ['1:1.1.1g-15.el8_3', T, 'older upstream version'],
    ],
  },
  {
    family: 'RPM', advisory: RHSA_OPENSSL, purl: 'pkg:rpm/redhat/openssl?arch=x86_64&epoch=1',
    cases: [
      ['1.1.1k-6.el8_5', F, 'the epoch qualifier joins the version: 1:1.1.1k-6.el8_5 is the fixed EVR'],
      ['1.1.1k-5.el8_5', T, 'with epoch 1 joined: release 5 before the fixed release 6'],
    ],
  },
  {
    family: 'RPM', advisory: RHSA_OPENSSL, purl: 'pkg:rpm/redhat/openssl?distro=rhel-8.5',
    cases: [
      ['1:1.1.1k-5.el8_5', T, 'syft writes rhel-8.5: a point release of redhat-8, so the RHSA entry applies'],
      ['1:1.1.1k-6.el8_5', F, 'the fixed EVR on rhel-8.5'],
    ],
  },
  {
    family: 'RPM', advisory: RLSA_OPENSSL, purl: 'pkg:rpm/rocky/openssl?distro=rocky-8',
    cases: [
      ['1:1.1.1k-5.el8_5', T, 'release 5 before 6'],
      ['1:1.1.1k-6.el8_5', F, 'fixed EVR'],
      ['1:1.1.1k-6.el8', T, 'rpmvercmp: el8 is a prefix of el8_5, so it sorts before'],
      ['2:1.0.0-1.el8', F, 'a higher epoch outranks any version'],
    ],
  },
  {
    family: 'RPM', advisory: RLSA_OPENSSL, purl: 'pkg:rpm/rocky/openssl?distro=rocky-8.5',
    cases: [
      ['1:1.1.1k-5.el8_5', T, 'rocky-8.5 is a point release of rocky-8: the Rocky Linux:8 entry applies'],
      ['1:1.1.1k-6.el8_5', F, 'the fixed EVR on rocky-8.5'],
    ],
  },
  {
    family: 'RPM', advisory: ALSA_OPENSSL, purl: 'pkg:rpm/almalinux/openssl?distro=almalinux-8',
    cases: [
      ['1:1.1.1k-4.el8', T, 'older release'],
      ['1:1.1.1k-6.el8_5', F, 'fixed EVR'],
      ['1:1.1.1k-6.el8_5.1', F, 'an extra release segment sorts after'],
      ['1:1.1.1l-1.el8', F, 'later upstream letter version (l after k)'],
    ],
  },
  // ------------------------------------------------------------ Alpine
  {
    family: 'Alpine', advisory: ALPINE_OPENSSL_BN_MOD_SQRT, purl: 'pkg:apk/alpine/openssl?distro=alpine-3.15',
    cases: [
      ['1.1.1l-r8', T, 'apk: letter l before n'],
      ['1.1.1m-r1', T, 'just below 1.1.1n'],
      ['1.1.1n-r0', F, 'fixed 1.1.1n-r0'],
      ['1.1.1n-r1', F, 'later package release'],
      ['1.1.1q-r0', F, 'later upstream'],
    ],
  },
  {
    family: 'Alpine', advisory: ALPINE_OPENSSL_BN_MOD_SQRT, purl: 'pkg:apk/alpine/openssl?distro=alpine-3.15.0',
    cases: [
      ['1.1.1m-r1', T, 'alpine-3.15.0 is a point release of 3.15: the Alpine:v3.15 entry applies'],
      ['1.1.1n-r0', F, 'fixed 1.1.1n-r0 on 3.15.0'],
    ],
  },
  {
    family: 'Alpine', advisory: ALPINE_MUSL_WCSNRTOMBS, purl: 'pkg:apk/alpine/musl?distro=alpine-3.13',
    cases: [
      ['1.2.2_pre1-r0', T, 'apk: _pre1 before _pre2'],
      ['1.2.2_pre2-r0', F, 'fixed 1.2.2_pre2-r0'],
      ['1.2.2-r0', F, 'apk: the release sorts after its _pre suffixes'],
      ['1.2.1-r2', T, 'older upstream'],
      ['1.2.2_pre2-r1', F, 'later package release of the fixed version'],
    ],
  },
  {
    family: 'Alpine', advisory: ALPINE_MUSL_WCSNRTOMBS, purl: 'pkg:apk/alpine/musl?distro=alpine-3.12',
    cases: [
      ['1.1.24-r9', T, 'just below fixed r10'],
      ['1.1.24-r10', F, 'fixed 1.1.24-r10'],
      ['1.1.24-r2', T, 'apk: r2 before r10 numerically'],
    ],
  },
];

/** A minimal OSV record (schema 1.6) stating only the table's facts about one advisory. */
export function osvRecordOf(advisory: AdvisoryFacts): Record<string, unknown> {
  return {
    schema_version: '1.6.0',
    id: advisory.id,
    modified: '2025-01-01T00:00:00Z',
    aliases: advisory.aliases,
    affected: advisory.affected.map((entry) => ({
      package: { ecosystem: entry.ecosystem, name: entry.name },
      ranges: entry.ranges.map((range) => ({ type: range.type, events: range.events })),
      ...(entry.versions ? { versions: entry.versions } : {}),
    })),
  };
}

/** The vulnerability view the store assembles from one OSV draft (as its only source row). */
export function vulnerabilityOf(draft: VulnerabilityIntelDraft, observedAt: string): Vulnerability {
  const vulnerability = assembleVulnerability('default', draft.id, [
    { tenant: 'default', kind: 'vulnerability', id: draft.id, source: OSV_SOURCE, facts: draft.facts, aliases: draft.aliases ?? [], observedAt },
  ]);
  if (!vulnerability) throw new Error(`no vulnerability assembled for ${draft.id}`);
  return vulnerability;
}
