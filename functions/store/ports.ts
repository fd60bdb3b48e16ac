import type { ActionRecord } from '../model/action.ts';
import type { ExposureResponse } from '../model/exposure.ts';
import type { TargetState } from '../model/target-state.ts';
import type { Asset } from '../model/asset.ts';
import type { AssetChange } from '../model/asset-change.ts';
import type { Exposure, Decision } from '../model/exposure.ts';
import type { ExposureTransition } from '../match/exposure-lifecycle.ts';
import type { QuarantineRecord } from '../model/quarantine.ts';
import type { FindingLedger } from '../model/finding-ledger.ts';
import type { SourceCursor } from '../model/source-cursor.ts';
import type { Vulnerability } from '../model/vulnerability.ts';
import type { IntelRepository } from './intel-repository.ts';

/** The estate's addresses a page at a time, for indicator matching (DynamoDB: `createAssetAddressReader`). */
export type { AssetAddressReader } from '../match/indicators/match-indicators.ts';

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

/** Vulnerabilities as the matcher and the playbooks read them, assembled from their sources' rows. */
export interface VulnerabilityRepository {
  get(tenant: string, id: string): Promise<Vulnerability | undefined>;
  /** Writes a whole record as its sources' rows (scan and tests; ingest goes through the runner). */
  put(record: Vulnerability): Promise<boolean>;
}

/** What AssetRepository.put changed. */
export interface AssetPutResult {
  /** No asset item was stored before. */
  created: boolean;
  /** Anything was written or deleted (asset item, component or identity rows). */
  changed: boolean;
  /**
   * Package keys whose component rows were added, removed or changed version (a version change is a
   * removed row and a new one), sorted; every key of the asset when it is created. Empty when unchanged.
   */
  packageKeys: string[];
}

/** Changes recorded before they were written and not yet announced: one part of one `putMany`. */
export interface PendingInventoryChanges {
  key: string;
  /** When they were recorded (ISO 8601), the `changedAt` they are announced with. */
  at: string;
  changes: AssetChange[];
}

export interface AssetPutOptions {
  /**
   * Record the software changes in the tenant's inventory outbox before writing anything, so a write or
   * an announcement cut short is still announced later (`pendingChanges`); `settlePending` removes
   * the record once announced. Leave it off where nothing announces (the local CLI re-matches itself).
   */
  recordPending?: { at: string };
}

/** What `AssetRepository.putMany` changed: one result per asset, in order, and the outbox records it wrote. */
export interface AssetPutManyResult {
  results: AssetPutResult[];
  /** Keys of the outbox records written (with `recordPending` and any software changed), for `settlePending`. */
  pending: string[];
}

export interface AssetRepository {
  /** Replaces the asset and its component rows (removed software disappears from the index); says what changed. */
  put(tenant: string, asset: Asset, options?: AssetPutOptions): Promise<AssetPutResult & { pending?: string[] }>;
  /**
   * `put` for many assets: every asset is read and compared first, the changes recorded once for all of
   * them (with `recordPending`), then written 8 at a time. An id repeated in the list is written in order.
   */
  putMany(tenant: string, assets: readonly Asset[], options?: AssetPutOptions): Promise<AssetPutManyResult>;
  /** Outbox records of changes not yet announced, oldest first. */
  pendingChanges(tenant: string, limit?: number): Promise<PendingInventoryChanges[]>;
  /** Removes outbox records whose changes were announced. */
  settlePending(tenant: string, keys: readonly string[]): Promise<void>;
  get(tenant: string, id: string): Promise<Asset | undefined>;
  getMany(tenant: string, ids: readonly string[]): Promise<Asset[]>;
  /** Components whose package key is one of `packageKeys`, across the tenant's estate. */
  componentsByPackage(tenant: string, packageKeys: readonly string[]): Promise<ComponentRow[]>;
  /** The components of one package, a page at a time (at most `pageSize` rows each): memory bounded by the page. */
  componentPages(tenant: string, packageKey: string, pageSize?: number): AsyncIterable<ComponentRow[]>;
  /** Ids of the assets naming each vendor identity (`aws-instance:i-...`), from every inventory record. */
  assetIdsByIdentity(tenant: string, identities: readonly string[]): Promise<Map<string, string[]>>;
}

export interface ExposureRepository {
  /** Upserts; returns the exposures whose decision or state changed (or that are new). */
  putMany(exposures: readonly Exposure[]): Promise<Exposure[]>;
  listByVulnerability(tenant: string, vulnerability: string): Promise<Exposure[]>;
  /** The vulnerability's exposures a page at a time. */
  pagesByVulnerability(tenant: string, vulnerability: string, pageSize?: number): AsyncIterable<Exposure[]>;
  listByStateAndDecision(tenant: string, state: Exposure['state'], decision: Decision): Promise<Exposure[]>;
  /** Reads exposures by (vulnerability, asset); missing ones are absent. */
  getMany(tenant: string, keys: ReadonlyArray<{ vulnerability: string; asset: string }>): Promise<Exposure[]>;
  /** Records what the response did on existing exposures (a missing exposure is left missing). */
  setResponse(tenant: string, vulnerability: string, assets: readonly string[], response: ExposureResponse): Promise<number>;
  /**
   * Moves each stored exposure of `vulnerability` on `assets` along its lifecycle (`transitionExposure`),
   * written only if nobody changed it since it was read (a concurrent matcher write is re-read, not lost).
   * Exposures that are missing, or whose state does not allow the transition, are refused with the reason.
   */
  transition(tenant: string, vulnerability: string, assets: readonly string[], transition: ExposureTransition): Promise<ExposureTransitionResult>;
}

/** What `ExposureRepository.transition` did: the exposures as written, and the assets it left alone with why. */
export interface ExposureTransitionResult {
  changed: Exposure[];
  refused: Array<{ asset: string; reason: string }>;
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
  /** Applies whose hold may still stand (HOLDING_STATUSES) with an expiry before `isoTime`, oldest first. */
  listExpiringBefore(tenant: string, isoTime: string, limit?: number): Promise<ActionRecord[]>;
}

/** Another invocation holds the target's lease: try again shortly (Step Functions retries it by name). */
export class TargetBusy extends Error {
  readonly holder: string | undefined;
  constructor(target: string, holder: string | undefined, options?: { cause?: unknown }) {
    super(`target ${target} is being changed by action ${holder ?? '(unknown)'}; retry shortly`, options);
    this.name = 'TargetBusy';
    this.holder = holder;
  }
}

export interface TargetRepository {
  get(tenant: string, actuator: string, key: string): Promise<TargetState | undefined>;
  /**
   * Takes the target's lease for `actionId` until `until`, creating the record when there is none, and
   * returns the record. Throws TargetBusy while another action's lease has not expired (`now`).
   */
  acquire(tenant: string, actuator: string, key: string, actionId: string, now: string, until: string): Promise<TargetState>;
  /** Writes the record while `actionId` still holds the lease (TargetBusy otherwise). */
  save(state: TargetState, actionId: string): Promise<void>;
  /** Gives the lease up; does nothing when `actionId` no longer holds it. */
  releaseLease(tenant: string, actuator: string, key: string, actionId: string): Promise<void>;
}

/** Assets acted on per tenant within the blast-radius window, with when. */
export interface GuardrailWindow {
  tenant: string;
  /** assetId -> ISO time it was last acted on. */
  acted: Record<string, string>;
  version: number;
}

export interface GuardrailWindowRepository {
  get(tenant: string): Promise<GuardrailWindow>;
  /** Writes the window if nobody wrote it since it was read (false otherwise: read again and recount). */
  put(window: GuardrailWindow): Promise<boolean>;
}

export interface SourceCursorRepository {
  get(tenant: string, source: string): Promise<SourceCursor | undefined>;
  put(cursor: SourceCursor): Promise<void>;
}

export interface QuarantineRepository {
  put(record: QuarantineRecord): Promise<void>;
  list(tenant: string, source: string): Promise<QuarantineRecord[]>;
}

/** Each asset's finding ledger (functions/inventory/cloud/finding-ledger.ts), in the asset's item collection. */
export interface FindingLedgerRepository {
  get(tenant: string, assetId: string): Promise<FindingLedger | undefined>;
  /** Writes the ledger if its stored version is still `ledger.version` (FindingLedgerConflict otherwise); returns it with the version bumped. */
  put(ledger: FindingLedger): Promise<FindingLedger>;
}

export interface Repositories {
  vulnerabilities: VulnerabilityRepository;
  intel: IntelRepository;
  assets: AssetRepository;
  exposures: ExposureRepository;
  actions: ActionRepository;
  cursors: SourceCursorRepository;
  quarantine: QuarantineRepository;
  targets: TargetRepository;
  guardrailWindows: GuardrailWindowRepository;
}
