import { PackageURL } from 'packageurl-js';
import { AssetSchema, SoftwareSchema, type Asset, type Software } from '../../model/asset.ts';
import { idProblem } from '../../model/ids.ts';
import { describeSoftware } from '../../store/keys.ts';
import { InvalidInputError } from '../parse-inventory.ts';
import { readCycloneDx } from './cyclonedx.ts';
import { InvalidSbom, isProblem, type SbomComponent, type SbomProblem, type SbomReading, type VexStatement } from './sbom-model.ts';
import { readSpdx } from './spdx.ts';

export type SbomFormat = 'cyclonedx' | 'spdx';

export interface SbomToAssetOptions {
  /** Id of the asset the SBOM describes (the application); also `existing.id` when that is given. */
  assetId: string;
  /** Named in quarantine reasons and errors, e.g. the uploaded file's name. */
  fileName: string;
  /** The stored asset, when the SBOM adds software to one: its fields and software are kept. */
  existing?: Asset;
}

export interface SbomQuarantined {
  /** bom-ref, SPDXID, name@version or vulnerability id; the path when it has none. */
  record: string;
  /** `<file>: asset <id>: <field>: <problem>`, e.g. `app.cdx.json: asset shop: components[12].purl: not a valid package URL: pkg:x`. */
  reason: string;
  /** The element as it was in the document, cut at 16,000 characters. */
  payload: string;
}

export interface SbomConversion {
  asset: Asset;
  vex: VexStatement[];
  quarantined: SbomQuarantined[];
}

/** Tags naming what the SBOM says the asset is, and which file said so. */
export const SBOM_TAGS = { application: 'application', applicationVersion: 'application-version', file: 'sbom' } as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Which SBOM format a parsed JSON document claims to be, or undefined when it is neither. */
export function detectSbom(json: unknown): SbomFormat | undefined {
  if (!isRecord(json)) return undefined;
  if (json.bomFormat === 'CycloneDX') return 'cyclonedx';
  if (typeof json.spdxVersion === 'string' && json.spdxVersion.startsWith('SPDX-')) return 'spdx';
  if (typeof json['@context'] === 'string' && json['@context'].includes('spdx.org/rdf/')) return 'spdx';
  return undefined;
}

type Identifiers = { purl?: string; cpe?: string };
type Checked = { value: string; identity: string } | { problem: string };

const [CpeSoftwareSchema, PurlSoftwareSchema] = SoftwareSchema.options;
const knownVersion = (version: string | undefined) => (version && version !== 'NOASSERTION' ? version : undefined);

/** The message of what `check` throws, or undefined when it does not. */
function problemOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A purl as the asset store takes it (`describeSoftware`), given the component's version when it has
 * none: a versionless purl says nothing about which releases are affected. Parsed once where it can
 * be, since large SBOMs hold thousands.
 */
function checkPurl(purl: string, version: string | undefined): Checked {
  const shape = PurlSoftwareSchema.safeParse({ purl });
  if (!shape.success) return { problem: shape.error.issues[0]?.message ?? 'not a package URL' };
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch {
    return { problem: problemOf(() => describeSoftware({ purl })) ?? `not a valid package URL: ${purl}` };
  }
  const known = knownVersion(version);
  if (parsed.version || !known) return { value: purl, identity: parsed.toString() };
  let filled: string;
  try {
    filled = new PackageURL(parsed.type, parsed.namespace, parsed.name, known, parsed.qualifiers, parsed.subpath).toString();
  } catch (error) {
    return { problem: `version "${known}" does not fit the package URL ${purl}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const problem = problemOf(() => describeSoftware({ purl: filled }));
  return problem ? { problem } : { value: filled, identity: filled };
}

/** A CPE 2.3 name as the asset store takes it, given the component's version when its own is ANY. */
function checkCpe(cpe: string, version: string | undefined): Checked {
  const shape = CpeSoftwareSchema.safeParse({ cpe });
  if (!shape.success) return { problem: shape.error.issues[0]?.message ?? 'not a CPE' };
  const value = withCpeVersion(cpe, version);
  const problem = problemOf(() => describeSoftware({ cpe: value }));
  return problem ? { problem } : { value, identity: value };
}

/** A purl that stands on its own as a component (a VEX ref naming one). */
const isUsablePurl = (purl: string) => 'value' in checkPurl(purl, undefined);

/**
 * A CPE whose version is ANY (`*`) gets the component's own version: ANY would fall inside every
 * vulnerable range. Characters other than letters, digits, `.`, `-` and `_` are escaped (NISTIR 7695).
 */
function withCpeVersion(cpe: string, version: string | undefined): string {
  const known = knownVersion(version);
  if (!known || known === '-') return cpe;
  // Only a well-formed name is touched; the store's check refuses the others with its own message.
  const fields = splitEscaped(cpe);
  if (fields.length !== 13 || fields[0] !== 'cpe' || fields[5] !== '*') return cpe;
  fields[5] = known.replace(/[^A-Za-z0-9._-]/g, (char) => `\\${char}`);
  return fields.join(':');
}

/** Splits a CPE 2.3 string on unescaped colons, keeping the escapes. */
function splitEscaped(cpe: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < cpe.length; i += 1) {
    if (cpe[i] === '\\') i += 1;
    else if (cpe[i] === ':') {
      fields.push(cpe.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(cpe.slice(start));
  return fields;
}

/** One spelling per package: purls compare in packageurl-js's canonical form, CPEs as written. */
function identityOf(software: Software): string {
  if ('cpe' in software) return software.cpe;
  try {
    return PackageURL.fromString(software.purl).toString();
  } catch {
    return software.purl;
  }
}

/**
 * The bom-ref a BOM-Link (`urn:cdx:<serial>/<version>#<bom-ref>`) names in its fragment: as written
 * first, then percent-decoded, since producers differ on whether they encode it.
 */
function bomLinkTargets(ref: string): string[] {
  const fragment = /^urn:cdx:[^/#]+\/\d+#(.+)$/s.exec(ref)?.[1];
  if (fragment === undefined) return [];
  try {
    const decoded = decodeURIComponent(fragment);
    return decoded === fragment ? [fragment] : [fragment, decoded];
  } catch {
    return [fragment];
  }
}

/**
 * Turns a CycloneDX (JSON 1.2-1.6) or SPDX (2.2/2.3 JSON) SBOM into the application asset it
 * describes, plus the VEX statements it makes about that asset's components.
 *
 * - Without `existing`, the asset is new: `assetId`, tags naming the application (`application`,
 *   `application-version`, from `metadata.component` or the SPDX DESCRIBES package) and the file
 *   (`sbom`), and the software of every component. With `existing`, its fields are kept and the SBOM's
 *   software is added to its own: an SBOM names what one application ships, not all a host runs.
 * - Each package contributes its purl and its CPE 2.3 name; a purl or CPE without a version gets the
 *   component's `version`. The same purl (in canonical form) or CPE is kept once.
 * - A component with neither, or with one the asset store would refuse (packageurl-js cannot parse
 *   the purl, `parseCpe23` refuses the CPE), is quarantined with the file, asset and field named,
 *   and the rest goes on. So is a VEX analysis whose `affects` ref names no usable component.
 * - A `ref` resolves to a bom-ref of this document, the bom-ref a BOM-Link's fragment names, or,
 *   failing both, a purl written as the ref (as standalone VEX documents do).
 *
 * @throws InvalidSbom when the document is not a CycloneDX or SPDX 2.x JSON SBOM; the field is named.
 * @throws InvalidInputError when `assetId` cannot be an asset id or differs from `existing.id`.
 */
export function sbomToAsset(document: unknown, options: SbomToAssetOptions): SbomConversion {
  const { assetId, fileName, existing } = options;
  const idIssue = assetId ? idProblem(assetId) : 'must not be empty';
  if (idIssue) throw new InvalidInputError(fileName, 'assetId', `asset id "${assetId}" ${idIssue}`);
  if (existing && existing.id !== assetId) throw new InvalidInputError(fileName, 'assetId', `asset id "${assetId}" is not the existing asset's id "${existing.id}"`);

  const format = detectSbom(document);
  if (format === undefined) {
    throw new InvalidSbom(fileName, '(document)', 'not an SBOM: expected CycloneDX JSON (bomFormat "CycloneDX") or SPDX JSON (spdxVersion "SPDX-2.3")');
  }
  const reading: SbomReading = format === 'cyclonedx' ? readCycloneDx(document, fileName) : readSpdx(document, fileName);

  const quarantined: SbomQuarantined[] = [];
  const quarantine = (record: string, problems: string[], raw: unknown) =>
    quarantined.push({
      record,
      reason: problems.map((problem) => `${fileName}: asset ${assetId}: ${problem}`).join('; '),
      payload: (JSON.stringify(raw) ?? String(raw)).slice(0, 16_000),
    });

  const software: Software[] = [];
  const seen = new Set<string>();
  const add = (entry: Software, identity = identityOf(entry)) => {
    if (seen.has(identity)) return;
    seen.add(identity);
    software.push(entry);
  };
  for (const entry of existing?.software ?? []) add(entry);

  // What each bom-ref stands for; undefined when the component was quarantined.
  const byRef = new Map<string, Identifiers | undefined>();
  const take = (entry: SbomComponent | SbomProblem, root: boolean) => {
    if (isProblem(entry)) {
      quarantine(entry.record, [entry.message], entry.raw);
      return;
    }
    const checked: Array<Checked & { path: string | undefined; kind: 'purl' | 'cpe' }> = [];
    if (entry.purl !== undefined) checked.push({ ...checkPurl(entry.purl, entry.version), path: entry.purlPath, kind: 'purl' });
    if (entry.cpe !== undefined) checked.push({ ...checkCpe(entry.cpe, entry.version), path: entry.cpePath, kind: 'cpe' });
    const problems = checked.flatMap((check) => ('problem' in check ? [`${check.path}: ${check.problem}`] : []));
    if (!root && checked.length === 0) problems.push(`${entry.path}: neither a purl nor a cpe`);
    if (problems.length > 0) {
      if (entry.ref !== undefined && !byRef.has(entry.ref)) byRef.set(entry.ref, undefined);
      quarantine(entry.ref ?? nameOf(entry) ?? entry.path, problems, entry);
      return;
    }
    const identifiers: Identifiers = {};
    for (const check of checked) {
      if (!('value' in check)) continue;
      identifiers[check.kind] = check.value;
      add(check.kind === 'purl' ? { purl: check.value } : { cpe: check.value }, check.identity);
    }
    if (entry.ref !== undefined && !byRef.has(entry.ref)) byRef.set(entry.ref, checked.length > 0 ? identifiers : undefined);
  };
  for (const root of reading.roots) take(root, true);
  for (const component of reading.components) take(component, false);

  const resolve = (ref: string): Identifiers | undefined => {
    // A BOM-Link names a bom-ref of some BOM: of this one, or of the BOM a standalone VEX was written for.
    const candidates = [ref, ...bomLinkTargets(ref)];
    const known = candidates.find((candidate) => byRef.has(candidate));
    if (known !== undefined) return byRef.get(known);
    const purl = candidates.find(isUsablePurl);
    return purl === undefined ? undefined : { purl };
  };

  const vex: VexStatement[] = [];
  for (const vulnerability of reading.vulnerabilities) {
    if (isProblem(vulnerability)) {
      quarantine(vulnerability.record, [vulnerability.message], vulnerability.raw);
      continue;
    }
    const { path, id, source, state, justification, response, detail, affects } = vulnerability;
    if (affects.length === 0) {
      quarantine(id, [`${path}.affects: names no component`], vulnerability);
      continue;
    }
    const problems: string[] = [];
    for (const affected of affects) {
      const identifiers = resolve(affected.ref);
      if (!identifiers) {
        problems.push(`${affected.path}: "${affected.ref}" names no component of this SBOM with a usable purl or cpe`);
        continue;
      }
      const statement: VexStatement = {
        vulnerability: id,
        component: identifiers.purl !== undefined ? { ...identifiers, purl: identifiers.purl } : { cpe: identifiers.cpe as string },
        state,
      };
      if (source !== undefined) statement.source = source;
      if (justification !== undefined) statement.justification = justification;
      if (response !== undefined) statement.response = response;
      if (detail !== undefined) statement.detail = detail;
      vex.push(statement);
    }
    if (problems.length > 0) quarantine(id, problems, vulnerability);
  }

  const root = reading.roots.find((entry): entry is SbomComponent => !isProblem(entry));
  const tags: Record<string, string> = { [SBOM_TAGS.file]: fileName };
  if (root?.name) tags[SBOM_TAGS.application] = root.name;
  if (root?.version) tags[SBOM_TAGS.applicationVersion] = root.version;
  // Every software entry passed the schema above; parsing them again would double the cost.
  const asset: Asset = existing ? { ...existing, tags: { ...existing.tags, ...tags }, software } : { ...AssetSchema.parse({ id: assetId, tags }), software };
  return { asset, vex, quarantined };
}

function nameOf(component: SbomComponent): string | undefined {
  if (!component.name) return undefined;
  return component.version ? `${component.name}@${component.version}` : component.name;
}
