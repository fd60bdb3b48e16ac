import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ActionRecordSchema, type ActionRecord } from '../model/action.ts';
import { AssetSchema } from '../model/asset.ts';
import { ExposureSchema, type Decision, type Exposure } from '../model/exposure.ts';
import { QuarantineRecordSchema, type QuarantineRecord } from '../model/quarantine.ts';
import { SourceCursorSchema, type SourceCursor } from '../model/source-cursor.ts';
import { VulnerabilitySchema } from '../model/vulnerability.ts';
import { mapConcurrently } from './map-concurrently.ts';
import { batchGetItems, batchWriteItems, queryAll, type Item, type Key } from './dynamo-batch.ts';
import {
  COMPONENT_SK_PREFIX,
  EXPOSURE_SK_PREFIX,
  actionExpiryPartition,
  actionKey,
  assetKey,
  componentSortKey,
  describeSoftware,
  executionPartition,
  exposureKey,
  exposureStatePartition,
  packagePartition,
  pendingEnrichmentPartition,
  quarantinePartition,
  quarantineSortKey,
  sourceCursorKey,
  vulnerabilityKey,
} from './keys.ts';
import type {
  ActionRepository,
  AssetRepository,
  ComponentRow,
  ExposureRepository,
  QuarantineRepository,
  Repositories,
  SourceCursorRepository,
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

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const isConditionalCheckFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

function vulnerabilityRepository(doc: DynamoDBDocumentClient, tableName: string): VulnerabilityRepository {
  return {
    async get(tenant, id) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: vulnerabilityKey(tenant, id), ConsistentRead: true }));
      return Item ? fromItem(VulnerabilitySchema, Item) : undefined;
    },

    async getContentHashes(tenant, ids) {
      const items = await batchGetItems(
        doc,
        tableName,
        ids.map((id) => vulnerabilityKey(tenant, id)),
        ['id', 'contentHash'],
      );
      const hashes = new Map<string, string>();
      for (const item of items) {
        if (typeof item.id === 'string' && typeof item.contentHash === 'string') hashes.set(item.id, item.contentHash);
      }
      return hashes;
    },

    async put(record, contentHash) {
      const entity = plain(VulnerabilitySchema.parse(record));
      const pending =
        entity.enrichment === 'pending'
          ? {
              gsi1pk: pendingEnrichmentPartition(entity.tenant),
              gsi1sk: `${entity.kev?.dateAdded ?? entity.nvd?.published ?? '0000-00-00'}#${entity.id}`,
            }
          : {};
      try {
        // One conditional write: an equal hash already stored means there is nothing to write.
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...vulnerabilityKey(entity.tenant, entity.id), entity: 'vulnerability', ...pending, ...entity, contentHash },
            ConditionExpression: 'attribute_not_exists(pk) OR contentHash <> :hash',
            ExpressionAttributeValues: { ':hash': contentHash },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailure(error)) return false;
        throw error;
      }
    },

    async listPendingEnrichment(tenant, limit) {
      if (limit <= 0) return [];
      const items = await queryAll(
        doc,
        {
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': pendingEnrichmentPartition(tenant) },
          ScanIndexForward: false,
        },
        limit,
      );
      return items.map((item) => fromItem(VulnerabilitySchema, item));
    },
  };
}

function componentItem(tenant: string, assetId: string, row: Omit<ComponentRow, 'tenant' | 'assetId'>): Item {
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

function assetRepository(doc: DynamoDBDocumentClient, tableName: string): AssetRepository {
  return {
    /**
     * Replaces the asset without transactions, ordered so an interruption leaves extra component rows
     * (a possible false match, cleaned up by the next import) and never missing ones:
     * 1. write component rows new to this version (keys derive from the identifier, so existing rows
     *    are never overwritten with other software); 2. write the asset item; 3. delete rows whose
     *    software is no longer listed. Unchanged rows and an unchanged asset cost no writes.
     */
    async put(tenant, asset) {
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
        existing.filter((item) => String(item.sk).startsWith(COMPONENT_SK_PREFIX)).map((item) => String(item.sk)),
      );

      const rows = new Map<string, Item>();
      for (const software of entity.software) {
        const item = componentItem(tenant, entity.id, describeSoftware(software));
        rows.set(String(item.sk), item);
      }
      const newRows = [...rows.values()].filter((item) => !existingComponentKeys.has(String(item.sk)));
      await batchWriteItems(doc, tableName, newRows.map((item) => ({ PutRequest: { Item: item } })));

      const unchanged = existingAsset && canonicalJson(fromItem(AssetSchema, existingAsset, ['tenant'])) === canonicalJson(entity);
      if (!unchanged) {
        await doc.send(new PutCommand({ TableName: tableName, Item: { ...key, entity: 'asset', tenant, ...entity } }));
      }

      const stale = [...existingComponentKeys].filter((sk) => !rows.has(sk));
      await batchWriteItems(doc, tableName, stale.map((sk) => ({ DeleteRequest: { Key: { pk: key.pk, sk } } })));
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
        // The first detection time survives re-matching: it anchors the exposure window.
        const next = previous ? { ...entity, detectedAt: previous.detectedAt } : entity;
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

    async listByStateAndDecision(tenant, state, decision: Decision) {
      const items = await queryAll(doc, {
        TableName: tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': exposureStatePartition(tenant, state, decision) },
      });
      return items.map((item) => fromItem(ExposureSchema, item));
    },
  };
}

/**
 * An action's item. The execution is the record's `requestedBy`. Only actions that still have
 * something to undo (an expiry and not yet reverted) sit in the expiry index.
 */
function actionItem(record: ActionRecord): Item {
  const expiry =
    record.expiresAt && record.status !== 'reverted'
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

    async listExpiringBefore(tenant, isoTime) {
      const items = await queryAll(doc, {
        TableName: tableName,
        IndexName: 'gsi2',
        // Sort keys are `{expiresAt}#{id}`: anything sorting below the bare time expired strictly before it.
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :time',
        ExpressionAttributeValues: { ':pk': actionExpiryPartition(tenant), ':time': isoTime },
      });
      return items.map((item) => fromItem(ActionRecordSchema, item));
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
  return {
    vulnerabilities: vulnerabilityRepository(doc, tableName),
    assets: assetRepository(doc, tableName),
    exposures: exposureRepository(doc, tableName),
    actions: actionRepository(doc, tableName),
    cursors: sourceCursorRepository(doc, tableName),
    quarantine: quarantineRepository(doc, tableName),
  };
}
