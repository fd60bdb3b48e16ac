import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A document client with the marshalling forestall's repositories expect: optional fields that are
 * `undefined` are left out rather than rejected.
 */
export function createDocumentClient(clientOrConfig: DynamoDBClient | DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const client = clientOrConfig instanceof DynamoDBClient ? clientOrConfig : new DynamoDBClient(clientOrConfig);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
