import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ActionRecordSchema, HOLDING_STATUSES, type ActionRecord } from '../model/action.ts';
import { AssetSchema, assetIdentities, type Asset } from '../model/asset.ts';
import { AssetChangeSchema, groupAssetChanges, type AssetChange } from '../model/asset-change.ts';
import { TargetStateSchema } from '../model/target-state.ts';
import { ExposureSchema, exposureId, type Decision, type Exposure } from '../model/exposure.ts';
import { ExposureTransitionRefused, transitionExposure } from '../match/exposure-lifecycle.ts';
import { QuarantineRecordSchema, type QuarantineRecord } from '../model/quarantine.ts';
import { SourceCursorSchema, type SourceCursor } from '../model/source-cursor.ts';
import { VulnerabilitySchema } from '../model/vulnerability.ts';
import type { SourceFacts } from '../model/intel-record.ts';
import { createIntelRepository, KEV_FACTS_SOURCE, NVD_FACTS_SOURCE, sourceFactsHash, type IntelRepository } from './intel-repository.ts';
import { canonicalJson } from '../ingest/content-hash.ts';
import { mapConcurrently } from './map-concurrently.ts';
import { batchGetItems, batchWriteItems, queryAll, queryPages, type Item, type Key } from './dynamo-batch.ts';
import {
  COMPONENT_SK_PREFIX,
  EXPOSURE_SK_PREFIX,
  actionExpiryPartition,
  actionKey,
  assetKey,
  assetListPartition,
  componentSortKey,
  describeSoftware,
  executionPartition,
  exposureKey,
  exposureStatePartition,
  guardrailWindowKey,
  IDENTITY_SK_PREFIX,
  identityPartition,
  identitySortKey,
  inventoryOutboxKey,
  inventoryOutboxPartition,
  packagePartition,
  quarantinePartition,
  quarantineSortKey,
  sourceCursorKey,
  targetKey,
  vulnerabilityKey,
} from './keys.ts';
import { TargetBusy } from './ports.ts';
import type {
  ActionRepository,
  AssetAddressReader,
  AssetPutResult,
  AssetRepository,
  ComponentRow,
  ExposureRepository,
  GuardrailWindow,
  GuardrailWindowRepository,
  QuarantineRepository,
  Repositories,
  SourceCursorRepository,
  TargetRepository,
  VulnerabilityRepository,
} from './ports.ts';

/** An item read back from the table does not match the model: the table holds something forestall did not write. */
export class CorruptRecord extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptRecord';
  }
}

/** ActionRepository.update was asked to replace a record that was never created. */
export class RecordNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordNotFound';
  }
}

/** Key and index attributes the table adds around an entity; removed before the entity is parsed. */
const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'entity', 'contentHash'] as const;

const ComponentRowSchema = z.object({
  tenant: z.string(),
  assetId: z.string(),
  packageKey: z.string(),
  identifier: z.string(),
  version: z.string(),
});

function fromItem<T extends z.ZodType>(schema: T, item: Item, extraAttributes: readonly string[] = []): z.infer<T> {
  const entity: Item = { ...item };
  for (const name of [...STORAGE_ATTRIBUTES, ...extraAttributes]) delete entity[name];
  const parsed = schema.safeParse(entity);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new CorruptRecord(`item ${String(item.pk)} / ${String(item.sk)} does not match the model: ${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}

// JSON round trip drops undefined fields, so two equal entities compare equal whatever their origin.
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const isConditionalCheckFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/**
 * The vulnerability view over the per-source rows of the intel repository. `put` writes a whole record
 * as its sources' rows (scan and tests build records directly); ingest writes rows through the runner.
 */
function vulnerabilityRepository(intel: IntelRepository): VulnerabilityRepository {
  return {
    get: (tenant, id) => intel.getVulnerability(tenant, id),

    async put(record) {
      const entity = VulnerabilitySchema.parse(record);
      const base = { tenant: entity.tenant, kind: 'vulnerability' as const, id: entity.id, aliases: entity.aliases ?? [], observedAt: entity.updatedAt };
      const rows: SourceFacts[] = [];
      if (entity.kev) rows.push({ ...base, source: KEV_FACTS_SOURCE, facts: plain(entity.kev) });
      if (entity.nvd) rows.push({ ...base, source: NVD_FACTS_SOURCE, facts: plain(entity.nvd), lookup: entity.nvd.configurations.length > 0 ? 'analysed' : 'awaiting-analysis', ...(entity.nvd.configurations.length > 0 ? {} : { nextLookupAt: entity.updatedAt }) });
      else if (entity.enrichment !== 'done') rows.push({ ...base, source: NVD_FACTS_SOURCE, lookup: entity.enrichment === 'not-found' ? 'not-found' : 'pending', nextLookupAt: entity.updatedAt });
      for (const [source, facts] of Object.entries(entity.facts ?? {})) rows.push({ ...base, source, facts: plain(facts) });
      for (const [source, revoked] of Object.entries(entity.revoked ?? {})) {
        const row = rows.find((candidate) => candidate.source === source);
        if (row) row.revoked = revoked;
      }
      await intel.putFacts(rows.map((row) => ({ row, hash: sourceFactsHash(row) })));
      return true;
    },
  };
}

/** The component index row `AssetRepository.put` writes for one software entry (exported for the estate benchmark, which writes rows directly). */
export function componentItem(tenant: string, assetId: string, row: Omit<ComponentRow, 'tenant' | 'assetId'>): Item {
  return {
    pk: assetKey(tenant, assetId).pk,
    sk: componentSortKey(row.identifier),
    entity: 'component',
    gsi1pk: packagePartition(tenant, row.packageKey),
    gsi1sk: assetId,
    tenant,
    assetId,
    ...row,
  };
}

function identityItem(tenant: string, assetId: string, identity: string): Item {
  return {
    pk: assetKey(tenant, assetId).pk,
    sk: identitySortKey(identity),
    entity: 'asset-identity',
    gsi1pk: identityPartition(tenant, identity),
    gsi1sk: assetId,
    tenant,
    assetId,
    identity,
  };
}

/** What one asset's replacement will change, read and compared; `write` carries it out (steps 1-3 of `put`). */
async function planAssetPut(doc: DynamoDBDocumentClient, tableName: string, tenant: string, asset: Asset): Promise<{ result: AssetPutResult; write(): Promise<void> }> {
  const entity = plain(AssetSchema.parse(asset));
  const key = assetKey(tenant, entity.id);
  const existing = await queryAll(doc, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': key.pk },
    ConsistentRead: true,
  });
  const existingAsset = existing.find((item) => item.sk === key.sk);
  const existingComponentKeys = new Set(
    existing
      .filter((item) => String(item.sk).startsWith(COMPONENT_SK_PREFIX) || String(item.sk).startsWith(IDENTITY_SK_PREFIX))
      .map((item) => String(item.sk)),
  );

  // Component rows index software; identity rows index the vendor identities the bindings name.
  const rows = new Map<string, Item>();
  for (const software of entity.software) {
    const item = componentItem(tenant, entity.id, describeSoftware(software));
    rows.set(String(item.sk), item);
  }
  for (const identity of assetIdentities(entity)) {
    const item = identityItem(tenant, entity.id, identity);
    rows.set(String(item.sk), item);
  }
  const newRows = [...rows.values()].filter((item) => !existingComponentKeys.has(String(item.sk)));
  // The listing attributes put the asset in its tenant's estate listing (assetListing); an item
  // written before the listing existed is rewritten once, even unchanged, to join it.
  const listed = existingAsset?.gsi2pk === assetListing(tenant, entity.id).gsi2pk;
  const unchanged = listed && existingAsset && canonicalJson(fromItem(AssetSchema, existingAsset, ['tenant'])) === canonicalJson(entity);
  const stale = [...existingComponentKeys].filter((sk) => !rows.has(sk));

  // What matching must look at again: every key of a new asset (rows left by an interrupted import
  // included), else the keys of component rows added or removed (a version change is both).
  const isComponent = (item: Item) => item.entity === 'component' && typeof item.packageKey === 'string';
  const existingBySk = new Map(existing.map((item) => [String(item.sk), item]));
  const touched = existingAsset ? [...newRows, ...stale.map((sk) => existingBySk.get(sk)!)].filter(isComponent) : [...rows.values()].filter(isComponent);
  return {
    result: {
      created: existingAsset === undefined,
      changed: !unchanged || newRows.length > 0 || stale.length > 0,
      packageKeys: [...new Set(touched.map((item) => String(item.packageKey)))].sort(),
    },
    async write() {
      await batchWriteItems(doc, tableName, newRows.map((item) => ({ PutRequest: { Item: item } })));
      if (!unchanged) await doc.send(new PutCommand({ TableName: tableName, Item: assetItem(tenant, entity) }));
      await batchWriteItems(doc, tableName, stale.map((sk) => ({ DeleteRequest: { Key: { pk: key.pk, sk } } })));
    },
  };
}

/** Keeps each inventory outbox item well under DynamoDB's 400 KB item limit. */
const MAX_OUTBOX_PART_BYTES = 300_000;

/** Writes `changes` to the tenant's inventory outbox in parts of at most MAX_OUTBOX_PART_BYTES; returns their keys. */
async function recordPendingChanges(doc: DynamoDBDocumentClient, tableName: string, tenant: string, changes: readonly AssetChange[], at: string): Promise<string[]> {
  const parts = groupAssetChanges(changes, { maxBytes: MAX_OUTBOX_PART_BYTES });
  const batchId = `${at}#${randomUUID()}`;
  const items = parts.map((part, index) => ({ ...inventoryOutboxKey(tenant, batchId, index), entity: 'inventory-outbox', at, changes: part }));
  await batchWriteItems(doc, tableName, items.map((item) => ({ PutRequest: { Item: item } })));
  return items.map((item) => item.sk);
}

const PendingInventoryChangesSchema = z.object({
  key: z.string(),
  at: z.string(),
  changes: z.array(AssetChangeSchema),
});

function assetRepository(doc: DynamoDBDocumentClient, tableName: string): AssetRepository {
  const putMany: AssetRepository['putMany'] = async (tenant, assets, options) => {
    const results: AssetPutResult[] = new Array(assets.length);
    const pending: string[] = [];
    // Rounds of distinct ids: a repeated id is compared with what the earlier round wrote.
    const rounds: number[][] = [];
    const roundOf = new Map<string, number>();
    assets.forEach((asset, index) => {
      const round = (roundOf.get(asset.id) ?? -1) + 1;
      roundOf.set(asset.id, round);
      (rounds[round] ??= []).push(index);
    });
    for (const round of rounds) {
      const plans = await mapConcurrently(round, 8, (index) => planAssetPut(doc, tableName, tenant, assets[index]!));
      const changes = plans.flatMap((plan, i) => (plan.result.packageKeys.length > 0 ? [{ id: assets[round[i]!]!.id, packageKeys: plan.result.packageKeys }] : []));
      if (options?.recordPending && changes.length > 0) pending.push(...(await recordPendingChanges(doc, tableName, tenant, changes, options.recordPending.at)));
      await mapConcurrently(plans, 8, (plan) => plan.write());
      plans.forEach((plan, i) => (results[round[i]!] = plan.result));
    }
    return { results, pending };
  };

  return {
    /**
     * Replaces the asset without transactions, ordered so an interruption leaves extra component rows
     * (a possible false match, cleaned up by the next import) and never missing ones:
     * 0. record the software changes in the outbox (when asked); 1. write component rows new to this
     * version (keys derive from the identifier, so existing rows are never overwritten with other
     * software); 2. write the asset item; 3. delete rows whose software is no longer listed. Unchanged
     * rows and an unchanged asset cost no writes. A retry after step 1 finds the new rows already
     * there and would not name them again: the outbox record from step 0 is what still names them.
     */
    async put(tenant, asset, options) {
      const { results, pending } = await putMany(tenant, [asset], options);
      return { ...results[0]!, ...(options?.recordPending ? { pending } : {}) };
    },

    putMany,

    async pendingChanges(tenant, limit = 20) {
      const items: Item[] = [];
      for await (const page of queryPages(doc, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': inventoryOutboxPartition(tenant) },
        ConsistentRead: true,
        Limit: limit,
      })) {
        items.push(...page);
        if (items.length >= limit) break;
      }
      return items.slice(0, limit).map((item) => PendingInventoryChangesSchema.parse({ key: item.sk, at: item.at, changes: item.changes }));
    },

    async settlePending(tenant, keys) {
      await batchWriteItems(doc, tableName, [...new Set(keys)].map((sk) => ({ DeleteRequest: { Key: { pk: inventoryOutboxPartition(tenant), sk } } })));
    },

    async get(tenant, id) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: assetKey(tenant, id), ConsistentRead: true }));
      return Item ? fromItem(AssetSchema, Item, ['tenant']) : undefined;
    },

    async getMany(tenant, ids) {
      const items = await batchGetItems(doc, tableName, ids.map((id) => assetKey(tenant, id)));
      const byId = new Map(items.map((item) => [String(item.id), fromItem(AssetSchema, item, ['tenant'])]));
      return [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
    },

    async componentsByPackage(tenant, packageKeys) {
      const pages = await mapConcurrently([...new Set(packageKeys)], 8, (packageKey) =>
        queryAll(doc, {
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': packagePartition(tenant, packageKey) },
        }),
      );
      return pages.flat().map((item) => fromItem(ComponentRowSchema, item));
    },

    async *componentPages(tenant, packageKey, pageSize = 1000) {
      for await (const items of queryPages(doc, {
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': packagePartition(tenant, packageKey) },
        Limit: pageSize,
      })) {
        if (items.length > 0) yield items.map((item) => fromItem(ComponentRowSchema, item));
      }
    },

    async assetIdsByIdentity(tenant, identities) {
      const unique = [...new Set(identities)];
      const pages = await mapConcurrently(unique, 8, (identity) =>
        queryAll(doc, {
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': identityPartition(tenant, identity) },
          ProjectionExpression: 'assetId',
        }),
      );
      return new Map(unique.map((identity, index) => [identity, (pages[index] ?? []).map((item) => String(item.assetId))]));
    },
  };
}

/** The asset item `AssetRepository.put` writes (exported for the estate benchmark, which writes items directly). */
export function assetItem(tenant: string, entity: Asset): Item {
  return { ...assetKey(tenant, entity.id), entity: 'asset', ...assetListing(tenant, entity.id), tenant, ...entity };
}

/** The sparse gsi2 attributes that list an asset item under its tenant (`T#t#ASSETS` / asset id). */
function assetListing(tenant: string, assetId: string) {
  return { gsi2pk: assetListPartition(tenant), gsi2sk: assetId };
}

// The fields address relevance reads; the rest of the asset (software, bindings, tags) stays in the table.
const AddressedAssetItemSchema = z.object({
  id: z.string(),
  hostname: z.string().optional(),
  ips: z.array(z.string()).optional(),
  network: z.object({ publicIps: z.array(z.string()).optional() }).optional(),
});

/**
 * The tenant's estate as indicator matching reads it (`AssetAddressReader`): the asset listing on gsi2
 * (`T#t#ASSETS`), a page of at most `pageSize` assets at a time, projected to `id`, `hostname`, `ips`
 * and `network.publicIps`, so memory and read units grow with the addresses, not with the software lists.
 */
export function createAssetAddressReader(doc: DynamoDBDocumentClient, tableName: string): AssetAddressReader {
  return {
    async *addressPages(tenant, pageSize = 1000) {
      for await (const items of queryPages(doc, {
        TableName: tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': assetListPartition(tenant) },
        ProjectionExpression: '#id, #hostname, #ips, #network.#publicIps',
        ExpressionAttributeNames: { '#id': 'id', '#hostname': 'hostname', '#ips': 'ips', '#network': 'network', '#publicIps': 'publicIps' },
        Limit: pageSize,
      })) {
        if (items.length > 0) yield items.map((item) => fromItem(AddressedAssetItemSchema, item));
      }
    },
  };
}

function exposureItem(exposure: Exposure): Item {
  return {
    ...exposureKey(exposure.tenant, exposure.vulnerability, exposure.asset),
    entity: 'exposure',
    gsi2pk: exposureStatePartition(exposure.tenant, exposure.state, exposure.decision),
    gsi2sk: `${exposure.detectedAt}#${exposure.id}`,
    ...exposure,
  };
}

// What makes an exposure worth rewriting: everything but the timestamps.
const exposureContent = ({ updatedAt: _u, detectedAt: _d, ...rest }: Exposure) => canonicalJson(rest);

function exposureRepository(doc: DynamoDBDocumentClient, tableName: string): ExposureRepository {
  return {
    async putMany(exposures) {
      const incoming = new Map<string, Exposure>();
      for (const exposure of exposures) {
        const entity = plain(ExposureSchema.parse(exposure));
        const key = exposureKey(entity.tenant, entity.vulnerability, entity.asset);
        incoming.set(`${key.pk}\u0000${key.sk}`, entity);
      }
      const keys: Key[] = [...incoming.values()].map((e) => exposureKey(e.tenant, e.vulnerability, e.asset));
      const stored = new Map<string, Exposure>();
      for (const item of await batchGetItems(doc, tableName, keys)) {
        stored.set(`${String(item.pk)}\u0000${String(item.sk)}`, fromItem(ExposureSchema, item));
      }

      const changed: Exposure[] = [];
      const toWrite: Exposure[] = [];
      for (const [key, entity] of incoming) {
        const previous = stored.get(key);
        // The first detection time survives re-matching: it anchors the exposure window. So does what the
        // response recorded on it, which the matcher does not know about.
        const next = previous
          ? { ...entity, detectedAt: previous.detectedAt, ...(entity.response ?? previous.response ? { response: entity.response ?? previous.response } : {}) }
          : entity;
        if (!previous || previous.decision !== next.decision || previous.state !== next.state) changed.push(next);
        if (!previous || exposureContent(previous) !== exposureContent(next)) toWrite.push(next);
      }
      await batchWriteItems(doc, tableName, toWrite.map((exposure) => ({ PutRequest: { Item: exposureItem(exposure) } })));
      return changed;
    },

    async listByVulnerability(tenant, vulnerability) {
      const items = await queryAll(doc, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': vulnerabilityKey(tenant, vulnerability).pk, ':prefix': EXPOSURE_SK_PREFIX },
      });
      return items.map((item) => fromItem(ExposureSchema, item));
    },

    async *pagesByVulnerability(tenant, vulnerability, pageSize = 500) {
      for await (const items of queryPages(doc, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': vulnerabilityKey(tenant, vulnerability).pk, ':prefix': EXPOSURE_SK_PREFIX },
        Limit: pageSize,
      })) {
        if (items.length > 0) yield items.map((item) => fromItem(ExposureSchema, item));
      }
    },

    async listByStateAndDecision(tenant, state, decision: Decision) {
      const items = await queryAll(doc, {
        TableName: tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': exposureStatePartition(tenant, state, decision) },
      });
      return items.map((item) => fromItem(ExposureSchema, item));
    },

    async getMany(tenant, keys) {
      const items = await batchGetItems(doc, tableName, keys.map((key) => exposureKey(tenant, key.vulnerability, key.asset)));
      return items.map((item) => fromItem(ExposureSchema, item));
    },

    async setResponse(tenant, vulnerability, assets, response) {
      let updated = 0;
      for (const asset of new Set(assets)) {
        try {
          await doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: exposureKey(tenant, vulnerability, asset),
              UpdateExpression: 'SET #response = :response',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#response': 'response' },
              ExpressionAttributeValues: { ':response': plain(response) },
            }),
          );
          updated += 1;
        } catch (error) {
          if (!isConditionalCheckFailure(error)) throw error;
        }
      }
      return updated;
    },

    async transition(tenant, vulnerability, assets, transition) {
      const changed: Exposure[] = [];
      const refused: Array<{ asset: string; reason: string }> = [];
      for (const asset of new Set(assets)) {
        const key = exposureKey(tenant, vulnerability, asset);
        let outcome: 'changed' | 'refused' | undefined;
        for (let attempt = 0; attempt < TRANSITION_ATTEMPTS && outcome === undefined; attempt += 1) {
          const { Item: item } = await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
          if (!item) {
            refused.push({ asset, reason: `no stored exposure of ${vulnerability} on asset ${asset}` });
            outcome = 'refused';
            break;
          }
          const current = fromItem(ExposureSchema, item);
          let next: Exposure;
          try {
            next = plain(ExposureSchema.parse(transitionExposure(current, transition)));
          } catch (error) {
            if (!(error instanceof ExposureTransitionRefused)) throw error;
            refused.push({ asset, reason: error.message });
            outcome = 'refused';
            break;
          }
          try {
            // Written only over the exposure as read: a matcher (or person) writing in between makes this
            // fail, and the transition is worked out again on what they wrote.
            await doc.send(
              new PutCommand({
                TableName: tableName,
                Item: exposureItem(next),
                ConditionExpression: '#state = :state AND updatedAt = :updatedAt',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':state': item.state, ':updatedAt': item.updatedAt },
              }),
            );
            changed.push(next);
            outcome = 'changed';
          } catch (error) {
            if (!isConditionalCheckFailure(error)) throw error;
          }
        }
        if (outcome === undefined) {
          refused.push({ asset, reason: `exposure ${exposureId(vulnerability, asset)} changed under ${TRANSITION_ATTEMPTS} attempts to make it ${transition.to}; try again` });
        }
      }
      return { changed, refused };
    },
  };
}

/** Conditional writes of one exposure's transition re-read and retry at most this often when raced. */
const TRANSITION_ATTEMPTS = 5;

/**
 * An action's item. The execution is the record's `requestedBy`. Only applies whose hold may still stand
 * (HOLDING_STATUSES) and that carry an expiry sit in the expiry index, so it shrinks as holds are released.
 */
function actionItem(record: ActionRecord): Item {
  const expiry =
    record.expiresAt && !record.expiryNotifiedAt && HOLDING_STATUSES.has(record.status)
      ? { gsi2pk: actionExpiryPartition(record.tenant), gsi2sk: `${record.expiresAt}#${record.id}` }
      : {};
  return {
    ...actionKey(record.tenant, record.id),
    entity: 'action',
    gsi1pk: executionPartition(record.tenant, record.requestedBy),
    gsi1sk: `${record.createdAt}#${record.id}`,
    ...expiry,
    ...record,
  };
}

function actionRepository(doc: DynamoDBDocumentClient, tableName: string): ActionRepository {
  const get = async (tenant: string, id: string) => {
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: actionKey(tenant, id), ConsistentRead: true }));
    return Item ? fromItem(ActionRecordSchema, Item) : undefined;
  };
  return {
    async createIfAbsent(record) {
      const entity = plain(ActionRecordSchema.parse(record));
      try {
        await doc.send(
          new PutCommand({ TableName: tableName, Item: actionItem(entity), ConditionExpression: 'attribute_not_exists(pk)' }),
        );
        return { created: true, record: entity };
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        const existing = await get(entity.tenant, entity.id);
        if (!existing) throw new CorruptRecord(`action ${entity.id} exists by condition but could not be read`, { cause: error });
        return { created: false, record: existing };
      }
    },

    async update(record) {
      const entity = plain(ActionRecordSchema.parse(record));
      try {
        await doc.send(new PutCommand({ TableName: tableName, Item: actionItem(entity), ConditionExpression: 'attribute_exists(pk)' }));
      } catch (error) {
        if (isConditionalCheckFailure(error)) throw new RecordNotFound(`action ${entity.id} of tenant ${entity.tenant} does not exist; create it first`);
        throw error;
      }
    },

    get,

    async listByExecution(tenant, execution) {
      const items = await queryAll(doc, {
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': executionPartition(tenant, execution) },
      });
      return items.map((item) => fromItem(ActionRecordSchema, item));
    },

    async listExpiringBefore(tenant, isoTime, limit) {
      const items = await queryAll(
        doc,
        {
          TableName: tableName,
          IndexName: 'gsi2',
          // Sort keys are `{expiresAt}#{id}`: anything sorting below the bare time expired strictly before it.
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :time',
          ExpressionAttributeValues: { ':pk': actionExpiryPartition(tenant), ':time': isoTime },
        },
        limit,
      );
      return items.map((item) => fromItem(ActionRecordSchema, item));
    },
  };
}

// Lease attributes are the target's own fields; the lease is taken and given up with conditional updates.
function targetRepository(doc: DynamoDBDocumentClient, tableName: string): TargetRepository {
  const read = async (tenant: string, actuator: string, key: string) => {
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: targetKey(tenant, actuator, key), ConsistentRead: true }));
    return Item ? fromItem(TargetStateSchema, Item) : undefined;
  };
  return {
    get: read,

    async acquire(tenant, actuator, key, actionId, now, until) {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: targetKey(tenant, actuator, key),
            UpdateExpression:
              'SET entity = :entity, tenant = :tenant, actuator = :actuator, #key = :key, #state = if_not_exists(#state, :free), holds = if_not_exists(holds, :none), leaseActionId = :me, leaseUntil = :until',
            ConditionExpression: 'attribute_not_exists(leaseActionId) OR leaseUntil < :now OR leaseActionId = :me',
            ExpressionAttributeNames: { '#key': 'key', '#state': 'state' },
            ExpressionAttributeValues: {
              ':entity': 'target',
              ':tenant': tenant,
              ':actuator': actuator,
              ':key': key,
              ':free': 'free',
              ':none': [],
              ':me': actionId,
              ':until': until,
              ':now': now,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return fromItem(TargetStateSchema, Attributes ?? {});
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        const holder = await read(tenant, actuator, key);
        throw new TargetBusy(key, holder?.leaseActionId, { cause: error });
      }
    },

    async save(state, actionId) {
      const entity = plain(TargetStateSchema.parse(state));
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...targetKey(entity.tenant, entity.actuator, entity.key), entity: 'target', ...entity, leaseActionId: actionId, leaseUntil: state.leaseUntil },
            ConditionExpression: 'leaseActionId = :me',
            ExpressionAttributeValues: { ':me': actionId },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        const holder = await read(entity.tenant, entity.actuator, entity.key);
        throw new TargetBusy(entity.key, holder?.leaseActionId, { cause: error });
      }
    },

    async releaseLease(tenant, actuator, key, actionId) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: targetKey(tenant, actuator, key),
            UpdateExpression: 'REMOVE leaseActionId, leaseUntil',
            ConditionExpression: 'leaseActionId = :me',
            ExpressionAttributeValues: { ':me': actionId },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
      }
    },
  };
}

const GuardrailWindowItemSchema = z.object({ tenant: z.string(), acted: z.record(z.string(), z.string()).default({}), version: z.number().int().min(0) });

function guardrailWindowRepository(doc: DynamoDBDocumentClient, tableName: string): GuardrailWindowRepository {
  return {
    async get(tenant) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: guardrailWindowKey(tenant), ConsistentRead: true }));
      return Item ? fromItem(GuardrailWindowItemSchema, Item) : { tenant, acted: {}, version: 0 };
    },
    async put(window: GuardrailWindow) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...guardrailWindowKey(window.tenant), entity: 'guardrail-window', tenant: window.tenant, acted: window.acted, version: window.version + 1 },
            // Optimistic concurrency: two plans counting at once cannot both take the last places.
            ConditionExpression: window.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
            ...(window.version === 0 ? {} : { ExpressionAttributeValues: { ':version': window.version } }),
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailure(error)) return false;
        throw error;
      }
    },
  };
}

function sourceCursorRepository(doc: DynamoDBDocumentClient, tableName: string): SourceCursorRepository {
  return {
    async get(tenant, source) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: sourceCursorKey(tenant, source), ConsistentRead: true }));
      return Item ? fromItem(SourceCursorSchema, Item) : undefined;
    },
    async put(cursor: SourceCursor) {
      const entity = plain(SourceCursorSchema.parse(cursor));
      await doc.send(
        new PutCommand({ TableName: tableName, Item: { ...sourceCursorKey(entity.tenant, entity.source), entity: 'source-cursor', ...entity } }),
      );
    },
  };
}

function quarantineRepository(doc: DynamoDBDocumentClient, tableName: string): QuarantineRepository {
  return {
    async put(record: QuarantineRecord) {
      const entity = plain(QuarantineRecordSchema.parse(record));
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: quarantinePartition(entity.tenant, entity.source),
            sk: quarantineSortKey(entity.quarantinedAt, entity.record),
            entity: 'quarantine',
            ...entity,
          },
        }),
      );
    },
    async list(tenant, source) {
      const items = await queryAll(doc, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': quarantinePartition(tenant, source) },
      });
      return items.map((item) => fromItem(QuarantineRecordSchema, item));
    },
  };
}

/**
 * The DynamoDB implementation of every repository port, on forestall's single table. Pass a document
 * client made with `createDocumentClient` (functions/store/document-client.ts). No operation scans.
 */
export function createDynamoRepositories(doc: DynamoDBDocumentClient, tableName: string): Repositories {
  const intel = createIntelRepository(doc, tableName);
  return {
    vulnerabilities: vulnerabilityRepository(intel),
    intel,
    assets: assetRepository(doc, tableName),
    exposures: exposureRepository(doc, tableName),
    actions: actionRepository(doc, tableName),
    cursors: sourceCursorRepository(doc, tableName),
    quarantine: quarantineRepository(doc, tableName),
    targets: targetRepository(doc, tableName),
    guardrailWindows: guardrailWindowRepository(doc, tableName),
  };
}
