import { EC2Client } from '@aws-sdk/client-ec2';
import { VendorAuthFailed, VendorRateLimited, vendorFailure } from '../vendor-errors.ts';

export interface Ec2ClientCacheOptions {
  /** Loopback endpoint (local mode); unset in a deployment. */
  endpoint?: string;
  /** Static credentials for the loopback endpoint; a deployment uses the function's role. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Returns the EC2 client for an account and region. */
export type Ec2ClientFor = (account: string, region: string) => EC2Client;

/**
 * Builds EC2 clients once per account and region and reuses them across invocations.
 *
 * Every client uses the function's own credentials, i.e. the account it runs in. Acting in other
 * accounts (assuming a forestall role there via STS) is future work; `account` is already part of
 * the key so that change stays local to this function.
 */
export function ec2ClientCache(options: Ec2ClientCacheOptions = {}): Ec2ClientFor {
  const clients = new Map<string, EC2Client>();
  return (account, region) => {
    const key = `${account}/${region}`;
    let client = clients.get(key);
    if (!client) {
      client = new EC2Client({
        region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };
}

const THROTTLING = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException']);
const AUTH = new Set(['AuthFailure', 'UnauthorizedOperation', 'InvalidClientTokenId', 'ExpiredToken', 'SignatureDoesNotMatch']);

/** Maps an EC2 SDK error to the named errors the playbooks retry or catch. */
export function ec2VendorError(error: unknown): Error {
  const name = (error as { name?: string }).name ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const message = (error as Error).message ?? String(error);
  if (THROTTLING.has(name)) return new VendorRateLimited('ec2', 5, { cause: error });
  if (AUTH.has(name)) return new VendorAuthFailed('ec2', status ?? 403, `${name}: ${message}`, { cause: error });
  // No HTTP status means the request never got an answer (network, timeout): transient.
  return vendorFailure('ec2', status, `${name}: ${message}`, { cause: error });
}
