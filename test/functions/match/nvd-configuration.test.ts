import { describe, expect, it } from 'vitest';
import {
  compileConfigurations,
  describeCpeMatch,
  InvalidNvdConfiguration,
  matchCompiledConfigurations,
  matchConfigurations,
} from '../../../functions/match/nvd-configuration.ts';
import { NvdConfigurationSchema } from '../../../functions/model/vulnerability.ts';
import { referenceFile } from '../../reference-data.ts';
import { configurationsOf, NVD_PAGE_FILE, NVD_RESPONSE_FILE } from './nvd-fixtures.ts';

// The same checks run on the generated records and, when the reference data is there, on NVD's own.
const REAL = {
  citrixBleed: referenceFile('intel/nvd/CVE-2023-4966.json', 'the CVE-2023-4966 configuration checks on the real NVD record'),
  printNightmare: referenceFile('intel/nvd/CVE-2021-34527.json', 'the CVE-2021-34527 configuration checks on the real NVD record'),
  fortiOs: referenceFile('intel/nvd/nvd-api2-response-CVE-2024-23113.json', 'the CVE-2024-23113 configuration checks on the real NVD response'),
  page: referenceFile('intel/nvd/nvd-api2-response-page-38cves-vunnel.json', 'the CVE-2022-22377 configuration checks on the real NVD response page'),
};
/** Configurations of a record, or none when its reference file is absent (the suite is skipped then). */
const configurationsIn = (file: string | undefined, id?: string) => (file === undefined ? [] : configurationsOf(file, id));

const adc = (version: string, swEdition = '-') =>
  `cpe:2.3:a:citrix:netscaler_application_delivery_controller:${version}:*:*:*:${swEdition}:*:*:*`;
const gateway = (version: string) => `cpe:2.3:a:citrix:netscaler_gateway:${version}:*:*:*:*:*:*:*`;

function citrixBleedChecks(file: string | undefined) {
  const compiled = compileConfigurations(configurationsIn(file));
  const ids = (cpes: string[]) => matchCompiledConfigurations(compiled, cpes).map((m) => m.matchCriteriaId);

  it('reports an affected build with the cpeMatch that covers it', () => {
    expect(matchCompiledConfigurations(compiled, [adc('13.1-48.47')])).toEqual([
      {
        cpe: adc('13.1-48.47'),
        version: '13.1-48.47',
        matchCriteriaId: '5C1739C5-48C1-46BC-A524-B4CC4C5B6436',
        criteria: 'cpe:2.3:a:citrix:netscaler_application_delivery_controller:*:*:*:*:-:*:*:*',
        range: 'versions from 13.1 (including) up to 13.1-49.15 (excluding)',
      },
    ]);
  });

  it.each([
    ['13.1-49.14', ['5C1739C5-48C1-46BC-A524-B4CC4C5B6436']],
    ['13.1-49.15', []],
    ['13.1-51.15', []],
    ['14.1-8.6', ['9148C36D-98B4-4166-8B9A-449EA86BA4B1']],
    ['14.1-8.50', []],
    ['14.1-12.35', []],
    ['13.0-91.13', ['9EEC53B2-686A-4C6F-98DE-5D6AE804B0A8']],
    ['13.0-92.19', []],
    ['13.0', ['9EEC53B2-686A-4C6F-98DE-5D6AE804B0A8']],
    // 12.1 is listed only for its FIPS and NDcPP editions.
    ['12.1-55.29', []],
    ['12.0-63.13', []],
  ])('ADC %s (sw_edition -) -> %j', (version, expected) => {
    expect(ids([adc(version)])).toEqual(expected);
  });

  it.each([
    ['12.1-55.29', 'fips', ['492BEB4B-7A4B-47C2-93D1-2B0683AA3A20']],
    ['12.1-55.300', 'fips', []],
    ['12.1-55.29', 'ndcpp', ['81EF12C2-4197-4C0D-BE11-556F05DAD646']],
    ['13.1-37.159', 'fips', ['109301A8-9ADD-4A49-9C45-D21A4DA840E9']],
    ['13.1-37.164', 'fips', []],
    // A FIPS build past its fix is not caught by the non-FIPS range that ends later.
    ['13.1-40.1', 'fips', []],
    ['14.1-8.6', 'fips', []],
  ])('ADC %s (sw_edition %s) -> %j', (version, edition, expected) => {
    expect(ids([adc(version, edition)])).toEqual(expected);
  });

  it('an inventory without sw_edition is checked against every edition, erring towards reporting', () => {
    expect(ids([adc('13.1-37.159', '*')])).toEqual(['109301A8-9ADD-4A49-9C45-D21A4DA840E9', '5C1739C5-48C1-46BC-A524-B4CC4C5B6436']);
  });

  it('gateway CPEs match their own criteria; both components of an appliance are reported', () => {
    expect(ids([gateway('13.1-48.47')])).toEqual(['28A08B32-D145-499F-866E-BEEEDEBB2901']);
    expect(ids([gateway('14.1-8.50')])).toEqual([]);
    const both = matchCompiledConfigurations(compiled, [adc('14.1-8.6'), gateway('14.1-8.6')]);
    expect(both.map((m) => m.cpe)).toEqual([adc('14.1-8.6'), gateway('14.1-8.6')]);
  });

  it('an unrecorded version or another product matches nothing', () => {
    expect(ids([adc('*')])).toEqual([]);
    expect(ids(['cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*'])).toEqual([]);
    expect(ids([])).toEqual([]);
  });
}

describe('CVE-2023-4966 (Citrix Bleed): ranges, fips / ndcpp / - sw_edition', () => citrixBleedChecks('CVE-2023-4966.json'));
describe.skipIf(REAL.citrixBleed === undefined)('CVE-2023-4966 (Citrix Bleed) on the real NVD record', () => citrixBleedChecks(REAL.citrixBleed));

function printNightmareChecks(file: string | undefined) {
  const configurations = configurationsIn(file);
  const ids = (cpe: string) => matchConfigurations(configurations, [cpe]).map((m) => m.matchCriteriaId);

  it.each([
    ['cpe:2.3:o:microsoft:windows_10_1809:10.0.17763.2028:*:*:*:*:*:x64:*', ['B9D38F0E-B058-44EE-9C75-A96EBEA360A6']],
    ['cpe:2.3:o:microsoft:windows_10_1809:10.0.17763.2029:*:*:*:*:*:x64:*', []],
    ['cpe:2.3:o:microsoft:windows_server_2022:10.0.20348.229:*:*:*:*:*:*:*', ['0663409D-4AE8-4BD9-85FE-9EAED15AE9DB']],
    ['cpe:2.3:o:microsoft:windows_server_2022:10.0.20348.230:*:*:*:*:*:*:*', []],
    ['cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*', ['C2B1C231-DE19-4B8F-A4AA-5B3A65276E46']],
    ['cpe:2.3:o:microsoft:windows_7:-:-:*:*:*:*:*:*', []],
    ['cpe:2.3:o:microsoft:windows_server_2008:r2:sp1:*:*:*:*:x64:*', ['AF07A81D-12E5-4B1D-BFF9-C8D08C32FF4F']],
    ['cpe:2.3:o:microsoft:windows_server_2008:r2:sp1:*:*:*:*:itanium:*', []],
    ['cpe:2.3:o:microsoft:windows_server_2008:-:sp2:*:*:*:*:x86:*', ['5F422A8C-2C4E-42C8-B420-E0728037E15C']],
    ['cpe:2.3:o:microsoft:windows_8.1:-:*:*:*:*:*:*:*', ['E93068DB-549B-45AB-8E5C-00EB5D8B5CF8']],
    ['cpe:2.3:o:microsoft:windows_8\\.1:-:*:*:*:*:*:*:*', ['E93068DB-549B-45AB-8E5C-00EB5D8B5CF8']],
  ])('%s -> %j', (cpe, expected) => {
    expect(ids(cpe)).toEqual(expected);
  });
}

describe('CVE-2021-34527 (PrintNightmare): Windows builds and editions', () => printNightmareChecks('CVE-2021-34527.json'));
describe.skipIf(REAL.printNightmare === undefined)('CVE-2021-34527 (PrintNightmare) on the real NVD record', () => printNightmareChecks(REAL.printNightmare));

function fortiOsChecks(file: string | undefined) {
  const configurations = configurationsIn(file);
  const ids = (cpe: string) => matchConfigurations(configurations, [cpe]).map((m) => m.matchCriteriaId);

  it.each([
    ['7.0.0', ['DF27CA2F-3F4C-4CCB-B832-0E792673C429']],
    ['7.0.13', ['DF27CA2F-3F4C-4CCB-B832-0E792673C429']],
    ['7.0.14', []],
    ['7.2.6', ['24D09A92-81EC-4003-B017-C67FC739EEBF']],
    ['7.2.7', []],
    ['7.4.3', []],
    ['6.4.15', []],
  ])('fortios %s -> %j', (version, expected) => {
    expect(ids(`cpe:2.3:o:fortinet:fortios:${version}:*:*:*:*:*:*:*`)).toEqual(expected);
  });

  it('an exact criteria version matches that version only', () => {
    expect(ids('cpe:2.3:o:fortinet:fortipam:1.2.0:*:*:*:*:*:*:*')).toEqual(['6D0927D1-F469-4344-B4C9-3190645F5899']);
    expect(ids('cpe:2.3:o:fortinet:fortipam:1.2:*:*:*:*:*:*:*')).toEqual(['6D0927D1-F469-4344-B4C9-3190645F5899']);
    expect(ids('cpe:2.3:o:fortinet:fortipam:1.2.1:*:*:*:*:*:*:*')).toEqual([]);
  });
}

describe('CVE-2024-23113 (FortiOS): versionEndIncluding', () => fortiOsChecks(NVD_RESPONSE_FILE));
describe.skipIf(REAL.fortiOs === undefined)('CVE-2024-23113 (FortiOS) in the real NVD response', () => fortiOsChecks(REAL.fortiOs));

function ibmChecks(file: string | undefined) {
  const configurations = configurationsIn(file, 'CVE-2022-22377');
  const app = (version: string) => `cpe:2.3:a:ibm:security_verify_privilege_on-premises:${version}:*:*:*:*:*:*:*`;
  const windows = 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*';
  const macos = 'cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*';

  it('is a configuration-level AND of the vulnerable application and non-vulnerable platforms', () => {
    expect(configurations).toHaveLength(1);
    expect(configurations[0]?.operator).toBe('AND');
    expect(configurations[0]?.nodes[1]?.cpeMatch.every((m) => !m.vulnerable)).toBe(true);
  });

  it('reports the application, never the platform, when both are present', () => {
    const matches = matchConfigurations(configurations, [app('11.4'), windows]);
    expect(matches).toEqual([
      {
        cpe: app('11.4'),
        version: '11.4',
        matchCriteriaId: 'CEE9CBED-455C-4B83-A735-76EE4C7E331A',
        criteria: 'cpe:2.3:a:ibm:security_verify_privilege_on-premises:*:*:*:*:*:*:*:*',
        range: 'versions up to 11.5 (excluding)',
      },
    ]);
    expect(matchConfigurations(configurations, [macos, app('10.8.1')]).map((m) => m.cpe)).toEqual([app('10.8.1')]);
  });

  it('reports nothing without a listed platform, for a fixed version, or for the platform alone', () => {
    expect(matchConfigurations(configurations, [app('11.4')])).toEqual([]);
    expect(matchConfigurations(configurations, [app('11.4'), 'cpe:2.3:o:linux:linux_kernel:6.1:*:*:*:*:*:*:*'])).toEqual([]);
    expect(matchConfigurations(configurations, [app('11.5'), windows])).toEqual([]);
    expect(matchConfigurations(configurations, [windows, macos])).toEqual([]);
  });
}

describe('CVE-2022-22377 (IBM Security Verify Privilege): application AND platform', () => ibmChecks(NVD_PAGE_FILE));
describe.skipIf(REAL.page === undefined)('CVE-2022-22377 (IBM Security Verify Privilege) in the real NVD response page', () => ibmChecks(REAL.page));

describe('node operators and negation', () => {
  const configuration = (value: unknown) => [NvdConfigurationSchema.parse(value)];
  const app = 'cpe:2.3:a:example:server:*:*:*:*:*:*:*:*';
  const plugin = 'cpe:2.3:a:example:plugin:*:*:*:*:*:*:*:*';
  const hardened = 'cpe:2.3:o:example:hardened_os:-:*:*:*:*:*:*:*';

  it('a node with operator AND needs every cpeMatch', () => {
    const and = configuration({
      nodes: [
        {
          operator: 'AND',
          cpeMatch: [
            { vulnerable: true, criteria: app, versionStartExcluding: '2.0', matchCriteriaId: 'APP' },
            { vulnerable: true, criteria: plugin, matchCriteriaId: 'PLUGIN' },
          ],
        },
      ],
    });
    const serverCpe = (v: string) => `cpe:2.3:a:example:server:${v}:*:*:*:*:*:*:*`;
    const pluginCpe = 'cpe:2.3:a:example:plugin:1.0:*:*:*:*:*:*:*';
    expect(matchConfigurations(and, [serverCpe('2.1'), pluginCpe]).map((m) => m.matchCriteriaId)).toEqual(['APP', 'PLUGIN']);
    expect(matchConfigurations(and, [serverCpe('2.1')])).toEqual([]);
    // versionStartExcluding: 2.0 itself is outside.
    expect(matchConfigurations(and, [serverCpe('2.0'), pluginCpe])).toEqual([]);
  });

  it('a negated node holds when its platform is absent, and names no component', () => {
    const negated = configuration({
      operator: 'AND',
      nodes: [
        { operator: 'OR', cpeMatch: [{ vulnerable: true, criteria: app, versionEndExcluding: '3.0', matchCriteriaId: 'APP' }] },
        { operator: 'OR', negate: true, cpeMatch: [{ vulnerable: false, criteria: hardened, matchCriteriaId: 'OS' }] },
      ],
    });
    const serverCpe = 'cpe:2.3:a:example:server:2.5:*:*:*:*:*:*:*';
    expect(matchConfigurations(negated, [serverCpe]).map((m) => m.matchCriteriaId)).toEqual(['APP']);
    expect(matchConfigurations(negated, [serverCpe, 'cpe:2.3:o:example:hardened_os:-:*:*:*:*:*:*:*'])).toEqual([]);
  });

  it('a non-vulnerable cpeMatch alone never makes anything vulnerable', () => {
    const platformOnly = configuration({ nodes: [{ operator: 'OR', cpeMatch: [{ vulnerable: false, criteria: app }] }] });
    expect(matchConfigurations(platformOnly, ['cpe:2.3:a:example:server:1.0:*:*:*:*:*:*:*'])).toEqual([]);
  });

  it('criteria with a wildcard product are found without a package key', () => {
    const wild = configuration({
      nodes: [{ operator: 'OR', cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:o:microsoft:windows_server_*:*:*:*:*:*:*:*:*', versionEndExcluding: '10.0.20348.230' }] }],
    });
    const compiled = compileConfigurations(wild);
    expect(compiled.vulnerablePackageKeys).toEqual([]);
    expect(compiled.unindexedVulnerableCriteria).toEqual(['cpe:2.3:o:microsoft:windows_server_*:*:*:*:*:*:*:*:*']);
    expect(matchCompiledConfigurations(compiled, ['cpe:2.3:o:microsoft:windows_server_2022:10.0.20348.1:*:*:*:*:*:*:*'])).toHaveLength(1);
    expect(matchCompiledConfigurations(compiled, ['cpe:2.3:o:microsoft:windows_10:10.0.20348.1:*:*:*:*:*:*:*'])).toEqual([]);
  });
});

describe('compileConfigurations', () => {
  it('lists the package keys of vulnerable criteria only', () => {
    expect(compileConfigurations(configurationsOf('CVE-2023-4966.json')).vulnerablePackageKeys).toEqual([
      'cpe:citrix:netscaler_application_delivery_controller',
      'cpe:citrix:netscaler_gateway',
    ]);
    const ibm = compileConfigurations(configurationsOf(NVD_PAGE_FILE, 'CVE-2022-22377'));
    expect(ibm.vulnerablePackageKeys).toEqual(['cpe:ibm:security_verify_privilege_on-premises']);
  });

  it('names the cpeMatch whose criteria is malformed', () => {
    const broken = [NvdConfigurationSchema.parse({ nodes: [{ cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:x' }] }] })];
    expect(() => compileConfigurations(broken)).toThrow(InvalidNvdConfiguration);
    expect(() => compileConfigurations(broken)).toThrow('configurations[0].nodes[0].cpeMatch[0].criteria');
  });

  it('describes cpeMatch conditions in words', () => {
    expect(describeCpeMatch({ vulnerable: true, criteria: 'cpe:2.3:a:x:y:*:*:*:*:*:*:*:*', versionStartExcluding: '1', versionEndIncluding: '2' })).toBe(
      'versions after 1 (excluding) up to 2 (including)',
    );
    expect(describeCpeMatch({ vulnerable: true, criteria: 'cpe:2.3:a:x:y:*:*:*:*:*:*:*:*' })).toBe('all versions');
    expect(describeCpeMatch({ vulnerable: true, criteria: 'cpe:2.3:a:x:y:8.1.0:*:*:*:*:*:*:*' })).toBe('version 8.1.0');
  });
});
