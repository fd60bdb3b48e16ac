import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UploadCheckpointSchema, type UploadCheckpoint } from '../model/upload-checkpoint.ts';
import { CorruptRecord } from './dynamo-repositories.ts';
import { uploadCheckpointKey } from './keys.ts';

/** Each inventory upload's checkpoint (functions/inventory/upload/import-upload.ts). */
export interface UploadCheckpointRepository {
  get(tenant: string, key: string, etag: string): Promise<UploadCheckpoint | undefined>;
  /**
   * Stores the checkpoint unless the stored one is further on (more records, or final): a duplicate
   * delivery running behind another never moves the checkpoint back. Returns false when it was kept.
   */
  save(checkpoint: UploadCheckpoint): Promise<boolean>;
}

export function createUploadCheckpointRepository(doc: DynamoDBDocumentClient, tableName: string): UploadCheckpointRepository {
  return {
    async get(tenant, key, etag) {
      const itemKey = uploadCheckpointKey(tenant, key, etag);
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: itemKey, ConsistentRead: true }));
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, entity: _entity, records: _records, ...rest } = Item;
      const parsed = UploadCheckpointSchema.safeParse(rest);
      if (!parsed.success) {
        throw new CorruptRecord(`item ${itemKey.pk} / ${itemKey.sk} does not match the model: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      }
      return parsed.data;
    },

    async save(checkpoint) {
      const entity = UploadCheckpointSchema.parse(checkpoint);
      const final = entity.status !== 'running';
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            // `records` at the top level is what the condition compares.
            Item: { ...uploadCheckpointKey(entity.tenant, entity.key, entity.etag), entity: 'upload-checkpoint', records: entity.position.records, ...entity },
            ConditionExpression: final
              ? 'attribute_not_exists(pk) OR #status = :running'
              : 'attribute_not_exists(pk) OR (#status = :running AND #records <= :records)',
            ExpressionAttributeNames: { '#status': 'status', ...(final ? {} : { '#records': 'records' }) },
            ExpressionAttributeValues: { ':running': 'running', ...(final ? {} : { ':records': entity.position.records }) },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
}
