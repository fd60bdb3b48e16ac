import type { ActionRecord } from '../model/action.ts';
import type { Asset } from '../model/asset.ts';
import type { Exposure, Decision } from '../model/exposure.ts';
import type { QuarantineRecord } from '../model/quarantine.ts';
import type { SourceCursor } from '../model/source-cursor.ts';
import type { Vulnerability } from '../model/vulnerability.ts';

/**
 * What the domain code needs from storage. The DynamoDB implementations live beside this file
 * (see docs/data-model.md); domain code takes these as arguments so it can be tested on its own.
 */

/** A component row: one software identity on one asset, indexed by package identity. */
export interface ComponentRow {
  tenant: string;
  assetId: string;
  /** `cpe:<vendor>:<product>` or `purl:<type>/<namespace>/<name>`: the index key. */
  packageKey: string;
  /** The CPE 2.3 string or purl exactly as the inventory gave it. */
  identifier: string;
  version: string;
}

export interface VulnerabilityRepository {
  get(tenant: string, id: string): Promise<Vulnerability | undefined>;
  /** Content hashes of the stored records, for change detection with one batched read. */
  getContentHashes(tenant: string, ids: readonly string[]): Promise<Map<string, string>>;
  /** Writes a record with its content hash; returns false when an equal hash was already stored. */
  put(record: Vulnerability, contentHash: string): Promise<boolean>;
  /** Records still waiting for their NVD record, newest KEV addition first. */
  listPendingEnrichment(tenant: string, limit: number): Promise<Vulnerability[]>;
}

export interface AssetRepository {
  /** Replaces the asset and its component rows (removed software disappears from the index). */
  put(tenant: string, asset: Asset): Promise<void>;
  get(tenant: string, id: string): Promise<Asset | undefined>;
  getMany(tenant: string, ids: readonly string[]): Promise<Asset[]>;
  /** Components whose package key is one of `packageKeys`, across the tenant's estate. */
  componentsByPackage(tenant: string, packageKeys: readonly string[]): Promise<ComponentRow[]>;
}

export interface ExposureRepository {
  /** Upserts; returns the exposures whose decision or state changed (or that are new). */
  putMany(exposures: readonly Exposure[]): Promise<Exposure[]>;
  listByVulnerability(tenant: string, vulnerability: string): Promise<Exposure[]>;
  listByStateAndDecision(tenant: string, state: Exposure['state'], decision: Decision): Promise<Exposure[]>;
}

export interface ActionRepository {
  /**
   * Creates the record if no record with its id exists (conditional write) and returns the stored one,
   * so a retried step sees what the first attempt did.
   */
  createIfAbsent(record: ActionRecord): Promise<{ created: boolean; record: ActionRecord }>;
  update(record: ActionRecord): Promise<void>;
  get(tenant: string, id: string): Promise<ActionRecord | undefined>;
  listByExecution(tenant: string, execution: string): Promise<ActionRecord[]>;
  listExpiringBefore(tenant: string, isoTime: string): Promise<ActionRecord[]>;
}

export interface SourceCursorRepository {
  get(tenant: string, source: string): Promise<SourceCursor | undefined>;
  put(cursor: SourceCursor): Promise<void>;
}

export interface QuarantineRepository {
  put(record: QuarantineRecord): Promise<void>;
  list(tenant: string, source: string): Promise<QuarantineRecord[]>;
}

export interface Repositories {
  vulnerabilities: VulnerabilityRepository;
  assets: AssetRepository;
  exposures: ExposureRepository;
  actions: ActionRepository;
  cursors: SourceCursorRepository;
  quarantine: QuarantineRepository;
}
