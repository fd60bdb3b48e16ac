/**
 * dynalite and s3rver for the upload benchmark, in a process of their own so the benchmark's memory is
 * the import's alone (dynalite keeps every item in memory). Prints one JSON line with the endpoints,
 * then serves until stdin closes.
 */
import { startLocalDynamo } from '../../functions/local/dynalite.ts';
import { startLocalS3 } from '../functions/inventory/upload/local-s3.ts';

const [dynamo, s3] = await Promise.all([startLocalDynamo(), startLocalS3()]);
const endpoint = await s3.client.config.endpoint!();
process.stdout.write(`${JSON.stringify({ dynamo: dynamo.client, s3: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`, bucket: s3.bucket })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([dynamo.close(), s3.close()]);
  process.exit(0);
});
