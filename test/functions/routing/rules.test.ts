import { describe, expect, it } from 'vitest';
import { DetailType, EVENT_SOURCE } from '../../../functions/model/events.ts';
import { compileEventPattern } from '../../../functions/routing/event-pattern.ts';
import { ACTION_TRIGGERS, EventPatterns, objectCreatedPattern, rulePattern } from '../../../functions/routing/rules.ts';
import type { BusEvent } from '../../../functions/local/local-bus.ts';
import { cloudFixture } from '../inventory/cloud/read-fixture.ts';

const OWN = '111122223333';
const envelope = (detailType: string, detail: Record<string, unknown>, account: string): BusEvent => ({
  version: '0',
  id: 'e1',
  'detail-type': detailType,
  source: EVENT_SOURCE,
  account,
  time: '2023-10-18T02:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

describe('rule patterns (found on main: a forged Exposure Detected from another account started containment)', () => {
  it('starts action playbooks only for events from the stack\'s own account', () => {
    const act = compileEventPattern(rulePattern('exposureAct', OWN));
    expect(act(envelope(DetailType.ExposureDetected, { decision: 'act' }, OWN))).toBe(true);
    expect(act(envelope(DetailType.ExposureDetected, { decision: 'act' }, '999999999999'))).toBe(false);
    expect(ACTION_TRIGGERS).toEqual(new Set(['exposureAct']));
  });

  it('still lets other accounts send intel in: matching checks and stores it itself', () => {
    const intel = compileEventPattern(rulePattern('intelChanged', OWN));
    expect(intel(envelope(DetailType.IntelChanged, { kind: 'vulnerability' }, '999999999999'))).toBe(true);
    expect(rulePattern('intelChanged', OWN)).toEqual(EventPatterns.intelChanged);
  });
});

describe('cloud findings rule', () => {
  const MEMBER = '444455556666';
  const fromMember = (name: string) => ({ ...(cloudFixture(name) as BusEvent), account: MEMBER });

  it("takes Inspector and Security Hub finding events from a member account: not limited to the stack's own", () => {
    const findings = compileEventPattern(rulePattern('cloudFindings', OWN));
    expect(rulePattern('cloudFindings', OWN)).toEqual(EventPatterns.cloudFindings);
    expect(findings(fromMember('inspector2-finding-al2023.json'))).toBe(true);
    expect(findings(fromMember('inspector2-finding-closed.json'))).toBe(true);
    expect(findings(fromMember('securityhub-findings-imported.json'))).toBe(true);
  });

  it('does not take a forged finding sent with source "forestall", nor other Inspector events', () => {
    const findings = compileEventPattern(rulePattern('cloudFindings', OWN));
    // PutEvents refuses aws.* sources from anyone but AWS, so a sender can only forge another source.
    expect(findings({ ...fromMember('inspector2-finding-al2023.json'), source: EVENT_SOURCE })).toBe(false);
    expect(findings({ ...fromMember('inspector2-finding-al2023.json'), account: OWN, source: EVENT_SOURCE })).toBe(false);
    expect(findings({ ...fromMember('inspector2-finding-al2023.json'), 'detail-type': 'Inspector2 Coverage' })).toBe(false);
    // Nor does any forestall rule take a finding event.
    for (const name of Object.keys(EventPatterns) as Array<keyof typeof EventPatterns>) {
      if (name !== 'cloudFindings') expect(compileEventPattern(rulePattern(name, OWN))(fromMember('inspector2-finding-al2023.json')), name).toBe(false);
    }
  });
});

describe('inventory upload rules', () => {
  it("continues only this account's running uploads: another account cannot start imports of our bucket", () => {
    const continued = compileEventPattern(rulePattern('inventoryUploadContinued', OWN));
    const detail = (status: string) => ({ status, tenant: 'acme', key: 'uploads/acme/estate.jsonl' });
    expect(continued(envelope(DetailType.InventoryUploadProgressed, detail('running'), OWN))).toBe(true);
    expect(continued(envelope(DetailType.InventoryUploadProgressed, detail('running'), '999999999999'))).toBe(false);
    expect(continued(envelope(DetailType.InventoryUploadProgressed, detail('done'), OWN))).toBe(false);
  });

  it("takes S3's Object Created for the upload bucket under uploads/ only", () => {
    const created = compileEventPattern(objectCreatedPattern('forestall-uploads', 'uploads/'));
    const s3Event = (bucket: string, key: string): BusEvent => ({
      ...envelope('Object Created', { version: '0', bucket: { name: bucket }, object: { key, size: 10, etag: 'abc' } }, OWN),
      source: 'aws.s3',
    });
    expect(created(s3Event('forestall-uploads', 'uploads/acme/estate.jsonl'))).toBe(true);
    expect(created(s3Event('forestall-uploads', 'elsewhere/estate.jsonl'))).toBe(false);
    expect(created(s3Event('other-bucket', 'uploads/acme/estate.jsonl'))).toBe(false);
    expect(created({ ...s3Event('forestall-uploads', 'uploads/acme/estate.jsonl'), 'detail-type': 'Object Deleted' })).toBe(false);
  });
});
