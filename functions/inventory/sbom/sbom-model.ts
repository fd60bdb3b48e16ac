import { z } from 'zod';
import { describeIssues, formatPath } from '../../ingest/describe-issues.ts';
import { InvalidInputError } from '../parse-inventory.ts';
import type { VexJustification, VexResponse, VexState } from '../../model/vex.ts';

/**
 * What the SBOM readers (`cyclonedx.ts`, `spdx.ts`) hand to `sbomToAsset`: the document's packages
 * and VEX analyses in one shape, each with the path it came from so a message can name the field.
 * Identifiers are still as written; `sbomToAsset` checks them.
 */

/** A document whose overall shape is not a readable SBOM; `field` names where, e.g. `specVersion`. */
export class InvalidSbom extends InvalidInputError {
  constructor(fileName: string, field: string, message: string) {
    super(fileName, field, `${field}: ${message}`);
    this.name = 'InvalidSbom';
  }

  /** From the first zod issue of a document-level parse; `what` says what the document should have been. */
  static fromIssues(fileName: string, issues: readonly z.core.$ZodIssue[], what: string): InvalidSbom {
    const first = issues[0];
    const field = (first && formatPath(first.path)) || '(document)';
    const message = (first && describeIssues([{ ...first, path: [] }])[0]) || 'unreadable';
    return new InvalidSbom(fileName, field, field === '(document)' ? `not ${what} (${message})` : message);
  }
}

/** One package of the document, wherever it sat (nested components are flattened). */
export interface SbomComponent {
  /** Where it is in the document: `components[3].components[0]`, `packages[2]`. */
  path: string;
  /** bom-ref (CycloneDX) or SPDXID (SPDX), when it has one. */
  ref?: string;
  name?: string;
  version?: string;
  purl?: string;
  /** Path of the purl field, as messages name it: `components[3].purl`, `packages[2].externalRefs[1].referenceLocator`. */
  purlPath?: string;
  cpe?: string;
  cpePath?: string;
}

/** A VEX analysis of one vulnerability, before its `affects` refs are resolved to components. */
export interface SbomVulnerability {
  path: string;
  id: string;
  source?: string;
  state: VexState;
  justification?: VexJustification;
  response?: VexResponse[];
  detail?: string;
  affects: Array<{ path: string; ref: string }>;
}

/** An element the reader could not read (not an object, a field of the wrong type), in its place. */
export interface SbomProblem {
  unreadable: true;
  path: string;
  record: string;
  message: string;
  raw: unknown;
}

/** Lists keep unreadable elements in place, so quarantine records come out in document order. */
export interface SbomReading {
  format: 'cyclonedx' | 'spdx';
  /** The application the document describes (CycloneDX `metadata.component`, SPDX DESCRIBES). */
  roots: Array<SbomComponent | SbomProblem>;
  components: Array<SbomComponent | SbomProblem>;
  vulnerabilities: Array<SbomVulnerability | SbomProblem>;
}

export const isProblem = (entry: object): entry is SbomProblem => 'unreadable' in entry;

// The VEX vocabulary is the model's: assets carry their statements and the matcher reads them.
export {
  VexJustificationSchema,
  VexResponseSchema,
  VexStateSchema,
  VexStatementSchema,
  type VexJustification,
  type VexResponse,
  type VexState,
  type VexStatement,
} from '../../model/vex.ts';
