import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, startLocalDynamo, type LocalDynamo } from '../../../../functions/local/dynalite.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localLambdaContext } from '../../../../functions/local/lambda-context.ts';
import { startSlackSimulator } from '../../../../functions/notify/slack/slack-simulator.ts';

describe('Slack notifier handler', () => {
  let dynamo: LocalDynamo;
  let sim: Awaited<ReturnType<typeof startSlackSimulator>>;
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'forestall-slack-')), 'token');
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    const client = new DynamoDBClient(dynamo.client);
    await createTable(client, 'slack-handler');
    client.destroy();
    sim = await startSlackSimulator({ token: 'xoxb-rotated' });
    writeFileSync(tokenFile, 'xoxb-before-rotation');
    Object.assign(process.env, {
      TABLE_NAME: 'slack-handler',
      SLACK_CHANNEL: 'C0SECOPS',
      SLACK_API_URL: `${sim.url}/api/`,
      SLACK_TOKEN_FILE: tokenFile,
      AWS_REGION: dynamo.client.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await sim.close();
    await dynamo.close();
  });

  it('reads the token again once when Slack refuses it, so a rotated secret needs no redeploy', async () => {
    const { handler } = await import('../../../../functions/notify/slack/slack-notify.handler.ts');
    const invoke = (execution: string) => handler({ tenant: 'default', execution, kind: 'nothing-to-do' }, localLambdaContext('SlackNotify'));

    // Before the rotation both reads give the revoked token: the refusal stands.
    await expect(invoke('exec-1')).rejects.toMatchObject({ name: 'VendorAuthFailed' });
    // The secret is rotated; the function still holds the old token and reads the new one on the refusal.
    writeFileSync(tokenFile, 'xoxb-rotated');
    const { actions } = await invoke('exec-2');
    expect(actions[0]).toMatchObject({ status: 'done', actuator: 'slack' });
    expect(sim.state.messages).toHaveLength(1);
  });
});
