import { describe, expect, it } from 'vitest';
import { secondsUntil, VendorRequestFailed, VendorUnavailable, vendorFailure } from '../../../functions/vendor/vendor-errors.ts';

describe('vendorFailure', () => {
  it('calls a call without an answer or with a 5xx transient, so the playbook retries it', () => {
    expect(vendorFailure('okta', undefined, 'ECONNRESET')).toBeInstanceOf(VendorUnavailable);
    expect(vendorFailure('okta', 503, 'maintenance')).toMatchObject({ name: 'VendorUnavailable', status: 503 });
  });

  it('calls any other refusal final, so the playbook catches it and notifies', () => {
    const error = vendorFailure('crowdstrike', 404, 'host not found');
    expect(error).toBeInstanceOf(VendorRequestFailed);
    expect(error.name).toBe('VendorRequestFailed');
    expect(error.message).toBe('crowdstrike request failed (HTTP 404): host not found');
  });
});

describe('secondsUntil', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('reads epoch seconds, epoch milliseconds and plain delays', () => {
    expect(secondsUntil(String(now.getTime() / 1000 + 30), now)).toBe(30);
    expect(secondsUntil(String(now.getTime() + 5_000), now)).toBe(5);
    expect(secondsUntil('12', now)).toBe(12);
    expect(secondsUntil(undefined, now, 60)).toBe(60);
  });
});
