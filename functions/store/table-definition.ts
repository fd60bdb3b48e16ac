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
  /** Exposures by state and decision; actions by expiry time. */
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
] as const;

export const DEFAULT_TABLE_NAME = 'forestall';
