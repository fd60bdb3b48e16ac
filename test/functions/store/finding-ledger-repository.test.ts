import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindingLedger } from '../../../functions/model/finding-ledger.ts';
import { createFindingLedgerRepository, FINDING_LEDGER_SK, FindingLedgerConflict } from '../../../functions/store/finding-ledger-repository.ts';
import { assetKey } from '../../../functions/store/keys.ts';
import type { FindingLedgerRepository } from '../../../functions/store/ports.ts';
import { startLocalTable, type LocalTable } from './local-table.ts';

const F1 = 'arn:aws:inspector2:eu-west-1:111122223333:finding/00000000000000000000000000000001';
const OPENSSL = 'pkg:rpm/amzn/openssl@3.0.8-1.amzn2023.0.14?arch=x86_64&distro=amzn-2023&epoch=1';

let table: LocalTable;
let ledgers: FindingLedgerRepository;
beforeAll(async () => {
  table = await startLocalTable();
  ledgers = createFindingLedgerRepository(table.doc, table.tableName);
});
afterAll(async () => {
  await table.close();
});

const ledger = (assetId: string, version = 0): FindingLedger => ({ tenant: 'acme', assetId, findings: { [F1]: [OPENSSL] }, introduced: [OPENSSL], version });

describe('finding ledger repository', () => {
  it('reads back what it wrote, with the version bumped on every write', async () => {
    expect(await ledgers.get('acme', 'web-01')).toBeUndefined();

    const first = await ledgers.put(ledger('web-01'));
    expect(first.version).toBe(1);
    expect(await ledgers.get('acme', 'web-01')).toEqual(ledger('web-01', 1));

    const second = await ledgers.put({ ...first, findings: {}, introduced: [] });
    expect(second.version).toBe(2);
    expect(await ledgers.get('acme', 'web-01')).toEqual({ tenant: 'acme', assetId: 'web-01', findings: {}, introduced: [], version: 2 });
    // Per tenant: another tenant's asset of the same id has no ledger.
    expect(await ledgers.get('beta', 'web-01')).toBeUndefined();
  });

  it('refuses a write from a stale read with FindingLedgerConflict, leaving the stored ledger as it was', async () => {
    const stored = await ledgers.put(ledger('web-02'));
    await ledgers.put({ ...stored, introduced: [] });

    // Written from the version-1 read after version 2 was stored.
    const stale = ledgers.put({ ...stored, findings: {} });
    await expect(stale).rejects.toBeInstanceOf(FindingLedgerConflict);
    await expect(stale).rejects.toMatchObject({ name: 'FindingLedgerConflict', message: expect.stringContaining('acme/web-02'), cause: { name: 'ConditionalCheckFailedException' } });
    // A second "first" write (version 0) conflicts too.
    await expect(ledgers.put(ledger('web-02'))).rejects.toMatchObject({ name: 'FindingLedgerConflict' });
    expect(await ledgers.get('acme', 'web-02')).toEqual({ ...ledger('web-02', 2), introduced: [] });
  });

  it("lives in the asset's item collection without disturbing the asset's writes", async () => {
    await ledgers.put(ledger('web-03'));
    await table.repositories.assets.put('acme', { id: 'web-03', ips: [], internetFacing: false, criticality: 'medium', tags: {}, software: [{ purl: OPENSSL }] });
    // Replacing the asset's software deletes its stale component rows, never the ledger item.
    const result = await table.repositories.assets.put('acme', { id: 'web-03', ips: [], internetFacing: false, criticality: 'medium', tags: {}, software: [] });

    expect(result.packageKeys).toEqual(['purl:rpm/amzn/openssl']);
    expect(await ledgers.get('acme', 'web-03')).toEqual(ledger('web-03', 1));
  });

  it('reports a stored item that does not match the model as CorruptRecord, naming the item', async () => {
    const key = { pk: assetKey('acme', 'web-04').pk, sk: FINDING_LEDGER_SK };
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { ...key, entity: 'finding-ledger', tenant: 'acme', assetId: 'web-04', findings: {}, version: 1 } }));

    await expect(ledgers.get('acme', 'web-04')).rejects.toMatchObject({ name: 'CorruptRecord', message: expect.stringContaining(`${key.pk} / FINDINGS`) });
  });
});
