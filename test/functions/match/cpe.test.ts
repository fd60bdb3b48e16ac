import { describe, expect, it } from 'vitest';
import {
  CpeParseError,
  cpeMatchesCriteria,
  cpeValueMatches,
  packageKeyOfCpe,
  parseCpe,
  parseCpeCached,
} from '../../../functions/match/cpe.ts';
import { cpePackageKey } from '../../../functions/store/keys.ts';

const NETSCALER_FIPS = 'cpe:2.3:a:citrix:netscaler_application_delivery_controller:*:*:*:*:fips:*:*:*';
const NETSCALER_NA = 'cpe:2.3:a:citrix:netscaler_application_delivery_controller:*:*:*:*:-:*:*:*';

describe('parseCpe', () => {
  it('reads the eleven attributes of an NVD criteria', () => {
    const cpe = parseCpe(NETSCALER_FIPS);
    expect(cpe.part).toEqual({ kind: 'literal', value: 'a' });
    expect(cpe.vendor).toEqual({ kind: 'literal', value: 'citrix' });
    expect(cpe.product).toEqual({ kind: 'literal', value: 'netscaler_application_delivery_controller' });
    expect(cpe.version).toEqual({ kind: 'any' });
    expect(cpe.swEdition).toEqual({ kind: 'literal', value: 'fips' });
    expect(parseCpe(NETSCALER_NA).swEdition).toEqual({ kind: 'na' });
  });

  it('unescapes quoted characters and lower-cases literals', () => {
    const cpe = parseCpe('cpe:2.3:a:Vendor\\:Inc:prod\\.uct\\!:1\\.0:*:*:*:*:*:*:*');
    expect(cpe.vendor).toEqual({ kind: 'literal', value: 'vendor:inc' });
    expect(cpe.product).toEqual({ kind: 'literal', value: 'prod.uct!' });
    expect(cpe.version).toEqual({ kind: 'literal', value: '1.0' });
  });

  it('keeps escaped * and ? literal, unquoted ones at the ends as wildcards', () => {
    expect(parseCpe('cpe:2.3:a:v:p\\*:*:*:*:*:*:*:*:*').product).toEqual({ kind: 'literal', value: 'p*' });
    const pattern = parseCpe('cpe:2.3:a:v:windows_*:*:*:*:*:*:*:*:*').product;
    expect(pattern.kind).toBe('pattern');
    expect(parseCpe('cpe:2.3:a:v:??ab:*:*:*:*:*:*:*:*').product.kind).toBe('pattern');
  });

  it.each([
    ['cpe:/a:citrix:netscaler', 'must start with cpe:2.3:'],
    ['cpe:2.3:a:citrix:netscaler_gateway:13.1', 'has 6 colon-separated components, expected 13'],
    ['cpe:2.3:x:citrix:netscaler_gateway:*:*:*:*:*:*:*:*', 'part must be a'],
    ['cpe:2.3:a:citrix::*:*:*:*:*:*:*:*', 'product is empty'],
    ['cpe:2.3:a:citrix:net*scaler:*:*:*:*:*:*:*:*', 'product "net*scaler" has an unquoted *'],
    ['cpe:2.3:a:citrix:netscaler:1?0:*:*:*:*:*:*:*', 'version "1?0" has an unquoted ?'],
    ['cpe:2.3:a:citrix:netscaler:*:*:*:*:*:*:*:\\', 'lone backslash'],
  ])('rejects %s naming the problem', (input, message) => {
    expect(() => parseCpe(input)).toThrow(CpeParseError);
    expect(() => parseCpe(input)).toThrow(message);
  });

  it('caches parsed names by string', () => {
    expect(parseCpeCached(NETSCALER_FIPS)).toBe(parseCpeCached(NETSCALER_FIPS));
  });
});

describe('attribute matching (NISTIR 7696 essentials)', () => {
  const value = (text: string) => parseCpe(`cpe:2.3:a:v:p:*:${text}:*:*:*:*:*:*`).update;

  it('ANY in the criteria matches everything', () => {
    for (const candidate of ['*', '-', 'sp1', 'SP?']) expect(cpeValueMatches(value('*'), value(candidate))).toBe(true);
  });

  it('NA in the criteria matches only NA (and an unrecorded value unless strict)', () => {
    expect(cpeValueMatches(value('-'), value('-'))).toBe(true);
    expect(cpeValueMatches(value('-'), value('sp1'))).toBe(false);
    expect(cpeValueMatches(value('-'), value('*'))).toBe(true);
    expect(cpeValueMatches(value('-'), value('*'), { strict: true })).toBe(false);
  });

  it('compares literals case-insensitively', () => {
    expect(cpeValueMatches(value('SP1'), value('sp1'))).toBe(true);
    expect(cpeValueMatches(value('sp1'), value('sp2'))).toBe(false);
    expect(cpeValueMatches(value('sp1'), value('-'))).toBe(false);
  });

  it('expands wildcards of the criteria over literal candidates', () => {
    expect(cpeValueMatches(value('sp*'), value('SP2'))).toBe(true);
    expect(cpeValueMatches(value('sp*'), value('sp'))).toBe(true);
    expect(cpeValueMatches(value('sp*'), value('rtm'))).toBe(false);
    expect(cpeValueMatches(value('sp?'), value('sp1'))).toBe(true);
    expect(cpeValueMatches(value('sp?'), value('sp12'))).toBe(false);
    expect(cpeValueMatches(value('*sp?'), value('x_sp3'))).toBe(true);
    // Escaped regular-expression characters stay literal.
    expect(cpeValueMatches(value('1\\.0*'), value('1x0'))).toBe(false);
    expect(cpeValueMatches(value('1\\.0*'), value('1.0.2'))).toBe(true);
  });

  it('lets each ? of a leading or trailing run stand for zero or one character (NISTIR 7696)', () => {
    // go-cpe TestMatcher: `???` is a superset of `ab`, `?` is disjoint from `ab`.
    expect(cpeValueMatches(value('???'), value('ab'))).toBe(true);
    expect(cpeValueMatches(value('?'), value('ab'))).toBe(false);
    expect(cpeValueMatches(value('sp?'), value('sp'))).toBe(true);
    expect(cpeValueMatches(value('??icrosoft'), value('microsoft'))).toBe(true);
    expect(cpeValueMatches(value('?crosoft'), value('microsoft'))).toBe(false);
    expect(cpeValueMatches(value('microso??'), value('microsoft'))).toBe(true);
    expect(cpeValueMatches(value('microso??'), value('microsofts'))).toBe(false);
  });

  it('a candidate with wildcards matches only ANY or the same pattern', () => {
    expect(cpeValueMatches(value('sp1'), value('sp?'))).toBe(false);
    expect(cpeValueMatches(value('sp?'), value('sp?'))).toBe(true);
  });
});

describe('cpeMatchesCriteria', () => {
  const adc = (version: string, swEdition: string) =>
    `cpe:2.3:a:citrix:netscaler_application_delivery_controller:${version}:*:*:*:${swEdition}:*:*:*`;

  it('ignores the version when the criteria version is ANY (the range bounds decide)', () => {
    expect(cpeMatchesCriteria(NETSCALER_NA, adc('13.1-48.47', '-'))).toBe(true);
    expect(cpeMatchesCriteria(NETSCALER_NA, adc('99.9', '-'))).toBe(true);
  });

  it('keeps FIPS and non-FIPS builds apart through sw_edition (CVE-2023-4966 criteria)', () => {
    expect(cpeMatchesCriteria(NETSCALER_FIPS, adc('13.1-37.159', 'fips'))).toBe(true);
    expect(cpeMatchesCriteria(NETSCALER_NA, adc('13.1-37.159', 'fips'))).toBe(false);
    expect(cpeMatchesCriteria(NETSCALER_FIPS, adc('13.1-48.47', '-'))).toBe(false);
    // Inventory that does not record the edition matches either, erring towards reporting.
    expect(cpeMatchesCriteria(NETSCALER_FIPS, adc('13.1-48.47', '*'))).toBe(true);
    expect(cpeMatchesCriteria(NETSCALER_FIPS, adc('13.1-48.47', '*'), { strict: true })).toBe(false);
  });

  it('requires vendor, product and part to agree', () => {
    expect(cpeMatchesCriteria(NETSCALER_NA, 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:-:*:*:*')).toBe(false);
    expect(cpeMatchesCriteria(NETSCALER_NA, 'cpe:2.3:o:citrix:netscaler_application_delivery_controller:13.1:*:*:*:-:*:*:*')).toBe(false);
    expect(cpeMatchesCriteria(NETSCALER_NA, 'cpe:2.3:a:CITRIX:NetScaler_Application_Delivery_Controller:13.1:*:*:*:-:*:*:*')).toBe(true);
  });

  it('matches a concrete criteria version exactly, by version order (CVE-2021-34527 windows_7:-:sp1)', () => {
    const windows7 = 'cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*';
    expect(cpeMatchesCriteria(windows7, 'cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:x64:*')).toBe(true);
    expect(cpeMatchesCriteria(windows7, 'cpe:2.3:o:microsoft:windows_7:-:-:*:*:*:*:*:*')).toBe(false);
    expect(cpeMatchesCriteria(windows7, 'cpe:2.3:o:microsoft:windows_7:6.1.7601:sp1:*:*:*:*:*:*')).toBe(false);
    const mysql = 'cpe:2.3:a:oracle:mysql:8.1.0:*:*:*:*:*:*:*';
    expect(cpeMatchesCriteria(mysql, 'cpe:2.3:a:oracle:mysql:8.1:*:*:*:*:*:*:*')).toBe(true);
    expect(cpeMatchesCriteria(mysql, 'cpe:2.3:a:oracle:mysql:8.1.1:*:*:*:*:*:*:*')).toBe(false);
    // A candidate that does not record its version cannot be shown to be 8.1.0.
    expect(cpeMatchesCriteria(mysql, 'cpe:2.3:a:oracle:mysql:*:*:*:*:*:*:*:*')).toBe(false);
  });
});

describe('packageKeyOfCpe', () => {
  it('is cpe:<vendor>:<product>, lower-case, whatever the escaping', () => {
    expect(packageKeyOfCpe(NETSCALER_FIPS)).toBe('cpe:citrix:netscaler_application_delivery_controller');
    expect(packageKeyOfCpe('cpe:2.3:o:microsoft:windows_8\\.1:-:*:*:*:*:*:*:*')).toBe('cpe:microsoft:windows_8.1');
    expect(packageKeyOfCpe('cpe:2.3:o:Microsoft:Windows_8.1:-:*:*:*:*:*:*:*')).toBe('cpe:microsoft:windows_8.1');
    expect(packageKeyOfCpe('cpe:2.3:a:a\\:b:c:1:*:*:*:*:*:*:*')).toBe('cpe:a\\:b:c');
  });

  it('equals the key the store indexes components under', () => {
    for (const cpe of [
      NETSCALER_FIPS,
      'cpe:2.3:a:Citrix:NetScaler_Gateway:13.1-48.47:*:*:*:*:*:*:*',
      'cpe:2.3:o:microsoft:windows_8\\.1:-:*:*:*:*:*:*:*',
      'cpe:2.3:a:a\\:b:c\\\\d:1:*:*:*:*:*:*:*',
      'cpe:2.3:a:hp:hp\\!:1:*:*:*:*:*:*:*',
    ]) {
      expect(packageKeyOfCpe(cpe)).toBe(cpePackageKey(cpe));
    }
  });
});
