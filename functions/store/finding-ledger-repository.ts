import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FindingLedgerSchema, type FindingLedger } from '../model/finding-ledger.ts';
import { CorruptRecord } from './dynamo-repositories.ts';
import { assetKey } from './keys.ts';
import type { FindingLedgerRepository } from './ports.ts';

/** Sort key of the ledger item in its asset's item collection (AssetRepository.put reads only ASSET, COMP#, IDENT#). */
export const FINDING_LEDGER_SK = 'FINDINGS';

/** Someone wrote the ledger since it was read: read it again and redo the merge (Lambda's retry does). */
export class FindingLedgerConflict extends Error {
  constructor(tenant: string, assetId: string, options?: { cause?: unknown }) {
    super(`finding ledger of ${tenant}/${assetId} changed since it was read; retry`, options);
    this.name = 'FindingLedgerConflict';
  }
}

const ledgerKey = (tenant: string, assetId: string) => ({ pk: assetKey(tenant, assetId).pk, sk: FINDING_LEDGER_SK });

/** The DynamoDB finding ledgers: one item per asset, written with an expected version. */
export function createFindingLedgerRepository(doc: DynamoDBDocumentClient, tableName: string): FindingLedgerRepository {
  return {
    async get(tenant, assetId) {
      const key = ledgerKey(tenant, assetId);
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, entity: _entity, ...rest } = Item;
      const parsed = FindingLedgerSchema.safeParse(rest);
      if (!parsed.success) {
        throw new CorruptRecord(`item ${key.pk} / ${key.sk} does not match the model: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      }
      return parsed.data;
    },

    async put(ledger) {
      const entity = FindingLedgerSchema.parse({ ...ledger, version: ledger.version + 1 });
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...ledgerKey(entity.tenant, entity.assetId), entity: 'finding-ledger', ...entity },
            ConditionExpression: ledger.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
            ...(ledger.version === 0 ? {} : { ExpressionAttributeValues: { ':version': ledger.version } }),
          }),
        );
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') throw new FindingLedgerConflict(entity.tenant, entity.assetId, { cause: error });
        throw error;
      }
      return entity;
    },
  };
}
