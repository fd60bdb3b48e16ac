import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  PendingAnnouncementSchema,
  SourceFactsSchema,
  type IntelKind,
  type PendingAnnouncement,
  type SourceFacts,
} from '../model/intel-record.ts';
import { IndicatorFactsSchema, type IndicatorFacts } from '../model/indicator.ts';
import { KevFactsSchema, NvdFactsSchema, VulnerabilitySchema, type Vulnerability } from '../model/vulnerability.ts';
import { contentHash } from '../ingest/content-hash.ts';
import { packageKeyOfCpe, parseCpe } from '../match/cpe.ts';
import { TenantIdSchema } from '../model/tenant.ts';
import { mapConcurrently } from './map-concurrently.ts';
import { batchGetItems, batchWriteItems, queryAll, type Item } from './dynamo-batch.ts';
import {
  InvalidKeyPart,
  purlPackageKey,
  indicatorExpiryPartition,
  indicatorKey,
  nvdDuePartition,
  outboxKey,
  outboxPartition,
  sourceFactsSortKey,
  sourceIndexPartition,
  SOURCE_FACTS_SK_PREFIX,
  vulnerabilityKey,
} from './keys.ts';

/** Source names whose facts the vulnerability view types (the CPE matcher and the decision read them). */
export const KEV_FACTS_SOURCE = 'cisa-kev';
export const NVD_FACTS_SOURCE = 'nvd';
/** The OSV source's name (`OSV_SOURCE` in the OSV parser): its facts name packages by purl. */
const OSV_FACTS_SOURCE = 'osv';

/** A stored row and the content hash it was written with. */
export interface StoredSourceFacts {
  row: SourceFacts;
  hash: string;
}

/** An indicator assembled from its sources' rows. */
export interface Indicator {
  tenant: string;
  id: string;
  type: IndicatorFacts['type'];
  value: string;
  /** Each source's facts, by source name. */
  facts: Record<string, IndicatorFacts>;
  /** Sources that revoked it; an indicator every source revoked is no longer to be acted on. */
  revoked: Record<string, { reason: string; at?: string | undefined }>;
  sources: string[];
  updatedAt: string;
}

/** One stored outbox item: a part of a write batch (at most 500 changes). */
export interface OutboxItem {
  /** The item's own key: removing it removes exactly these entries. */
  key: string;
  entries: PendingAnnouncement[];
}

export interface PutFactsResult {
  /** Ids written (compressed or in full). */
  written: string[];
  /** Ids whose facts were too large even compressed: written as a stub that says what was left out. */
  trimmed: Array<{ id: string; reason: string }>;
}

export interface IntelRepository {
  /** Content hashes of one source's rows, for change detection with one batched, projected read. */
  getHashes(tenant: string, kind: IntelKind, source: string, ids: readonly string[]): Promise<Map<string, string>>;
  getFacts(tenant: string, kind: IntelKind, source: string, ids: readonly string[]): Promise<Map<string, SourceFacts>>;
  /** Writes rows without conditions: each source owns its rows, and the runner compared hashes first. */
  putFacts(rows: readonly StoredSourceFacts[]): Promise<PutFactsResult>;
  /** Ids of every row one source wrote (not revoked), for lists the source delivers whole. */
  listSourceIds(tenant: string, kind: IntelKind, source: string): Promise<string[]>;
  /** Records changes to announce before the rows are written (the outbox); returns the batch id. */
  addToOutbox(tenant: string, entries: readonly PendingAnnouncement[], at: string): Promise<string>;
  /** Keeps only `keep` in a batch (the rows whose writes failed are not announced). */
  narrowOutbox(tenant: string, batchId: string, keep: readonly PendingAnnouncement[]): Promise<void>;
  /** Outbox items, oldest first. */
  listOutbox(tenant: string, limit?: number): Promise<OutboxItem[]>;
  /** Removes one item once its entries are announced. */
  removeFromOutbox(tenant: string, key: string): Promise<void>;
  getVulnerability(tenant: string, id: string): Promise<Vulnerability | undefined>;
  getIndicator(tenant: string, id: string): Promise<Indicator | undefined>;
  /** NVD rows whose lookup is due (pending, awaiting analysis or not found, past `nextLookupAt`), earliest first. */
  listNvdDue(tenant: string, nowIso: string, limit: number): Promise<SourceFacts[]>;
  countNvdDue(tenant: string, nowIso: string): Promise<number>;
  /** Indicator rows whose `validUntil` is before `nowIso` and that are not revoked yet, earliest first. */
  listExpiredIndicators(tenant: string, nowIso: string, limit: number): Promise<SourceFacts[]>;
  /**
   * Ids of the vulnerabilities whose stored facts name each package key (the package index that
   * putFacts keeps), for re-matching changed inventory. May name a vulnerability whose facts no longer
   * name the key (entries are never removed): the matcher decides.
   */
  vulnerabilitiesByPackage(tenant: string, packageKeys: readonly string[]): Promise<Map<string, string[]>>;
}

/**
 * The hash a row is stored with: the source's content (facts, aliases, revocation, lookup state), not
 * when it was seen, so an unchanged record compares equal on every poll.
 */
export function sourceFactsHash(row: SourceFacts): string {
  return contentHash({ facts: row.facts, aliases: row.aliases, revoked: row.revoked ? { reason: row.revoked.reason } : undefined, lookup: row.lookup, omitted: row.omitted }).slice(0, 40);
}

// DynamoDB refuses items over 400 KB; leave room for keys and attribute names.
const ITEM_BUDGET_BYTES = 350_000;
// Facts this large are stored gzip-compressed (NVD configurations of kernel CVEs run to megabytes).
const COMPRESS_ABOVE_BYTES = 64_000;
const OUTBOX_ENTRIES_PER_ITEM = 500;

const rowKey = (tenant: string, kind: IntelKind, id: string) =>
  kind === 'vulnerability' ? vulnerabilityKey(tenant, id).pk : indicatorKey(tenant, id);

const StoredRowSchema = SourceFactsSchema.extend({ contentHash: z.string() });

function toItem({ row, hash }: StoredSourceFacts): { item: Item; trimmed?: string } {
  const parsed = SourceFactsSchema.parse(row);
  const { facts, ...rest } = parsed;
  const base: Item = {
    pk: rowKey(parsed.tenant, parsed.kind, parsed.id),
    sk: sourceFactsSortKey(parsed.source),
    entity: 'source-facts',
    ...JSON.parse(JSON.stringify(rest)),
    contentHash: hash,
    ...indexAttributes(parsed),
  };
  if (facts === undefined) return { item: base };
  const text = JSON.stringify(facts);
  const bytes = Buffer.byteLength(text);
  if (bytes <= COMPRESS_ABOVE_BYTES) return { item: { ...base, facts: JSON.parse(text) as unknown } };
  const compressed = gzipSync(text);
  if (compressed.byteLength <= ITEM_BUDGET_BYTES) return { item: { ...base, factsGz: compressed } };
  // Still too large: store a stub with the hash, so the same oversized record is not retried on every poll.
  const reason = `facts of ${bytes} bytes (${compressed.byteLength} compressed) exceed the ${ITEM_BUDGET_BYTES}-byte item budget; left out`;
  return { item: { ...base, omitted: reason }, trimmed: reason };
}

/** Package index: one item per (package key, vulnerability) that some source's facts name. */
const VULNERABILITY_PACKAGE_SK_PREFIX = 'VULN#';
function vulnerabilityPackagePartition(tenant: string, packageKey: string): string {
  if (!TenantIdSchema.safeParse(tenant).success) throw new InvalidKeyPart(`tenant "${tenant}" is not a tenant id (lower-case letters, digits and dashes)`);
  if (packageKey.length === 0) throw new InvalidKeyPart('package key must not be empty');
  return `T#${tenant}#VPKG#${packageKey}`;
}

const NvdCriteriaSchema = z.object({
  configurations: z.array(z.object({ nodes: z.array(z.object({ cpeMatch: z.array(z.object({ criteria: z.string(), vulnerable: z.boolean() })) })) })).default([]),
});
const OsvPackagesSchema = z.object({
  advisories: z.record(z.string(), z.object({ withdrawn: z.string().optional(), affected: z.array(z.object({ package: z.object({ purl: z.string().optional() }).optional() })) })),
});

/**
 * The package keys a vulnerability row's facts name, as the matcher derives them
 * (`vulnerablePackageKeys`): NVD's `vulnerable` criteria with a literal vendor and product give
 * `cpe:<vendor>:<product>`; the purls of OSV advisories not withdrawn give `purl:...`. Read from the
 * facts' shape alone, so the store does not carry the matcher (a test checks both agree); facts of
 * another shape name nothing.
 */
export function rowPackageKeys(row: SourceFacts): string[] {
  if (row.kind !== 'vulnerability' || row.facts === undefined) return [];
  const keys = new Set<string>();
  const nvd = row.source === NVD_FACTS_SOURCE ? NvdCriteriaSchema.safeParse(row.facts) : undefined;
  for (const configuration of nvd?.success ? nvd.data.configurations : []) {
    for (const node of configuration.nodes) {
      for (const match of node.cpeMatch) {
        if (!match.vulnerable) continue;
        try {
          const criteria = parseCpe(match.criteria);
          if (criteria.vendor.kind === 'literal' && criteria.product.kind === 'literal') keys.add(packageKeyOfCpe(criteria));
        } catch {
          // The matcher refuses it too (InvalidNvdConfiguration); nothing to index.
        }
      }
    }
  }
  const osv = row.source === OSV_FACTS_SOURCE ? OsvPackagesSchema.safeParse(row.facts) : undefined;
  for (const advisory of osv?.success ? Object.values(osv.data.advisories) : []) {
    if (advisory.withdrawn) continue;
    for (const affected of advisory.affected) {
      const purl = affected.package?.purl;
      if (!purl) continue;
      try {
        keys.add(purlPackageKey(purl));
      } catch {
        // An unreadable purl matches nothing.
      }
    }
  }
  return [...keys].sort();
}

function packageIndexItems(row: SourceFacts): Item[] {
  return rowPackageKeys(row).map((packageKey) => ({
    pk: vulnerabilityPackagePartition(row.tenant, packageKey),
    sk: `${VULNERABILITY_PACKAGE_SK_PREFIX}${row.id}`,
    entity: 'vulnerability-package',
    tenant: row.tenant,
    packageKey,
    id: row.id,
  }));
}

function indexAttributes(row: SourceFacts): Item {
  if (row.lookup === 'pending' || row.lookup === 'awaiting-analysis' || row.lookup === 'not-found') {
    return { gsi1pk: nvdDuePartition(row.tenant), gsi1sk: `${row.nextLookupAt ?? row.observedAt}#${row.id}` };
  }
  if (row.revoked || row.facts === undefined) return {};
  const validUntil = row.kind === 'indicator' ? row.facts.validUntil : undefined;
  return {
    gsi1pk: sourceIndexPartition(row.tenant, row.kind, row.source),
    gsi1sk: row.id,
    // An indicator with an end of validity waits in the expiry index until it is revoked.
    ...(typeof validUntil === 'string' ? { gsi2pk: indicatorExpiryPartition(row.tenant), gsi2sk: `${validUntil}#${row.id}#${row.source}` } : {}),
  };
}

function fromItem(item: Item): StoredSourceFacts {
  const { pk: _pk, sk: _sk, entity: _entity, gsi1pk: _g1, gsi1sk: _g1s, gsi2pk: _g2, gsi2sk: _g2s, factsGz, contentHash, ...rest } = item;
  const facts = factsGz ? (JSON.parse(gunzipSync(factsGz as Uint8Array).toString('utf8')) as unknown) : rest.facts;
  const parsed = StoredRowSchema.parse({ ...rest, ...(facts === undefined ? {} : { facts }), contentHash });
  const { contentHash: hash, ...row } = parsed;
  return { row, hash };
}

/** The vulnerability view of a CVE's rows (see VulnerabilitySchema). */
export function assembleVulnerability(tenant: string, id: string, rows: readonly SourceFacts[]): Vulnerability | undefined {
  if (rows.length === 0) return undefined;
  const bySource = new Map(rows.map((row) => [row.source, row]));
  const kevRow = bySource.get(KEV_FACTS_SOURCE);
  const nvdRow = bySource.get(NVD_FACTS_SOURCE);
  const kev = kevRow?.facts && !kevRow.revoked ? KevFactsSchema.safeParse(kevRow.facts) : undefined;
  const nvd = nvdRow?.facts ? NvdFactsSchema.safeParse(nvdRow.facts) : undefined;
  const facts: Record<string, Record<string, unknown>> = {};
  const revoked: Record<string, { reason: string; at?: string }> = {};
  for (const row of rows) {
    if (row.revoked) revoked[row.source] = row.revoked;
    if (row.facts && row.source !== KEV_FACTS_SOURCE && row.source !== NVD_FACTS_SOURCE) facts[row.source] = row.facts;
  }
  const enrichment =
    nvdRow?.lookup === 'not-found'
      ? 'not-found'
      : nvdRow?.lookup === 'awaiting-analysis'
        ? 'awaiting-analysis'
        : nvd?.success
          ? 'done'
          : 'pending';
  return VulnerabilitySchema.parse({
    tenant,
    id,
    aliases: [...new Set(rows.flatMap((row) => row.aliases))].sort(),
    ...(kev?.success ? { kev: kev.data } : {}),
    ...(nvd?.success ? { nvd: nvd.data } : {}),
    facts,
    revoked,
    enrichment,
    sources: rows.filter((row) => row.facts !== undefined && !row.revoked).map((row) => row.source).sort(),
    updatedAt: rows.map((row) => row.observedAt).sort().at(-1),
  });
}

export function createIntelRepository(doc: DynamoDBDocumentClient, tableName: string): IntelRepository {
  const readRows = async (tenant: string, kind: IntelKind, source: string, ids: readonly string[], projection?: string[]) =>
    batchGetItems(
      doc,
      tableName,
      ids.map((id) => ({ pk: rowKey(tenant, kind, id), sk: sourceFactsSortKey(source) })),
      projection,
    );

  const rowsOf = async (tenant: string, kind: IntelKind, id: string): Promise<SourceFacts[]> => {
    const items = await queryAll(doc, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': rowKey(tenant, kind, id), ':prefix': SOURCE_FACTS_SK_PREFIX },
      ConsistentRead: true,
    });
    return items.map((item) => fromItem(item).row);
  };

  const nvdDueQuery = (tenant: string, nowIso: string) => ({
    TableName: tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :now',
    ExpressionAttributeValues: { ':pk': nvdDuePartition(tenant), ':now': `${nowIso}#~` },
  });

  return {
    async getHashes(tenant, kind, source, ids) {
      const items = await readRows(tenant, kind, source, ids, ['id', 'contentHash']);
      return new Map(items.map((item) => [String(item.id), String(item.contentHash)]));
    },

    async getFacts(tenant, kind, source, ids) {
      const items = await readRows(tenant, kind, source, ids);
      return new Map(items.map((item) => {
        const { row } = fromItem(item);
        return [row.id, row];
      }));
    },

    async putFacts(rows) {
      const trimmed: PutFactsResult['trimmed'] = [];
      const requests = rows.map((stored) => {
        const { item, trimmed: reason } = toItem(stored);
        if (reason) trimmed.push({ id: stored.row.id, reason });
        return { PutRequest: { Item: item } };
      });
      // Index entries are idempotent puts, written before the rows: a row is never stored unindexed.
      const index = new Map<string, Item>();
      for (const { row } of rows) for (const item of packageIndexItems(row)) index.set(`${String(item.pk)}\u0000${String(item.sk)}`, item);
      await batchWriteItems(doc, tableName, [...index.values()].map((item) => ({ PutRequest: { Item: item } })));
      await batchWriteItems(doc, tableName, requests);
      return { written: rows.map(({ row }) => row.id), trimmed };
    },

    async listSourceIds(tenant, kind, source) {
      const items = await queryAll(doc, {
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': sourceIndexPartition(tenant, kind, source) },
        ProjectionExpression: 'id',
      });
      return items.map((item) => String(item.id));
    },

    async addToOutbox(tenant, entries, at) {
      const batchId = `${at}#${randomUUID()}`;
      const parts: PendingAnnouncement[][] = [];
      for (let i = 0; i < entries.length; i += OUTBOX_ENTRIES_PER_ITEM) parts.push(entries.slice(i, i + OUTBOX_ENTRIES_PER_ITEM));
      await batchWriteItems(
        doc,
        tableName,
        parts.map((part, index) => ({
          PutRequest: { Item: { ...outboxKey(tenant, batchId, index), entity: 'outbox', batchId, entries: part.map((entry) => PendingAnnouncementSchema.parse(entry)) } },
        })),
      );
      return batchId;
    },

    async narrowOutbox(tenant, batchId, keep) {
      const items = await queryAll(doc, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :batch)',
        ExpressionAttributeValues: { ':pk': outboxPartition(tenant), ':batch': batchId },
        ConsistentRead: true,
      });
      const kept = new Set(keep.map((entry) => `${entry.kind}\u0000${entry.id}\u0000${entry.source}`));
      for (const item of items) {
        const entries = z.array(PendingAnnouncementSchema).parse(item.entries);
        const remaining = entries.filter((entry) => kept.has(`${entry.kind}\u0000${entry.id}\u0000${entry.source}`));
        if (remaining.length === entries.length) continue;
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'SET entries = :entries',
            ExpressionAttributeValues: { ':entries': remaining },
          }),
        );
      }
    },

    async listOutbox(tenant, limit = 100) {
      const items = await queryAll(
        doc,
        { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': outboxPartition(tenant) }, ConsistentRead: true },
        limit,
      );
      return items.map((item) => ({ key: String(item.sk), entries: z.array(PendingAnnouncementSchema).parse(item.entries) }));
    },

    async removeFromOutbox(tenant, key) {
      await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: outboxPartition(tenant), sk: key } }));
    },

    async getVulnerability(tenant, id) {
      return assembleVulnerability(tenant, id, await rowsOf(tenant, 'vulnerability', id));
    },

    async getIndicator(tenant, id) {
      const rows = await rowsOf(tenant, 'indicator', id);
      const withFacts = rows.filter((row) => row.facts !== undefined);
      const first = withFacts[0];
      if (!first) return undefined;
      const facts = Object.fromEntries(withFacts.map((row) => [row.source, IndicatorFactsSchema.parse(row.facts)]));
      const firstFacts = facts[first.source] as IndicatorFacts;
      return {
        tenant,
        id,
        type: firstFacts.type,
        value: firstFacts.value,
        facts,
        revoked: Object.fromEntries(rows.filter((row) => row.revoked).map((row) => [row.source, row.revoked!])),
        sources: withFacts.filter((row) => !row.revoked).map((row) => row.source).sort(),
        updatedAt: rows.map((row) => row.observedAt).sort().at(-1) as string,
      };
    },

    async listNvdDue(tenant, nowIso, limit) {
      if (limit <= 0) return [];
      const items = await queryAll(doc, nvdDueQuery(tenant, nowIso), limit);
      return items.map((item) => fromItem(item).row);
    },

    async listExpiredIndicators(tenant, nowIso, limit) {
      const items = await queryAll(
        doc,
        {
          TableName: tableName,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :now',
          ExpressionAttributeValues: { ':pk': indicatorExpiryPartition(tenant), ':now': nowIso },
        },
        limit,
      );
      return items.map((item) => fromItem(item).row);
    },

    async vulnerabilitiesByPackage(tenant, packageKeys) {
      const unique = [...new Set(packageKeys)];
      const pages = await mapConcurrently(unique, 8, (packageKey) =>
        queryAll(doc, {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': vulnerabilityPackagePartition(tenant, packageKey), ':prefix': VULNERABILITY_PACKAGE_SK_PREFIX },
          ProjectionExpression: 'id',
        }),
      );
      return new Map(unique.map((packageKey, index) => [packageKey, (pages[index] ?? []).map((item) => String(item.id)).sort()]));
    },

    async countNvdDue(tenant, nowIso) {
      let count = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const result = await doc.send(new QueryCommand({ ...nvdDueQuery(tenant, nowIso), Select: 'COUNT', ExclusiveStartKey: startKey }));
        count += result.Count ?? 0;
        startKey = result.LastEvaluatedKey;
      } while (startKey);
      return count;
    },
  };
}
