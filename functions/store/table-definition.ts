/**
 * The single DynamoDB table's key schema, shared by the CDK stack and the local dynalite setup so both
 * create the same table. Key layout per entity: docs/data-model.md.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
} as const;

export const GLOBAL_SECONDARY_INDEXES = [
  /** Package identity -> components; execution -> actions; NVD enrichment backlog. */
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Exposures by state and decision; actions by expiry time; indicators by end of validity; each tenant's asset listing. */
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
] as const;

export const DEFAULT_TABLE_NAME = 'forestall';

/** The table's key schema in DynamoDB API form (CreateTable and CloudFormation spell it alike). */
export const TABLE_KEY_SCHEMA = [
  { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
  { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
] as const;

/** The GSIs in DynamoDB API form, all attributes projected. */
export const TABLE_GLOBAL_SECONDARY_INDEXES = GLOBAL_SECONDARY_INDEXES.map((index) => ({
  IndexName: index.indexName,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: 'HASH' },
    { AttributeName: index.sortKey, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'ALL' },
})) as Array<{ IndexName: string; KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>; Projection: { ProjectionType: 'ALL' } }>;
