import { z } from 'zod';
import { TenantIdSchema } from '../model/tenant.ts';

export const AccountIdSchema = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');

/**
 * `ACCOUNT_TENANTS`, the JSON `{"<account id>": "<tenant>"}` the stack passes (context `accountTenants`):
 * which tenant each other account speaks for. An error names the bad entry (`ACCOUNT_TENANTS.1234: a
 * 12-digit AWS account id`).
 */
export const AccountTenantsEnvSchema = z.preprocess(
  (value, ctx) => {
    if (value === undefined || value === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(value));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON (expected {"<account id>": "<tenant>"})', input: value });
      return z.NEVER;
    }
    // Checked here rather than with the record's own error, which would also replace the entries' messages.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object {"<account id>": "<tenant>"}', input: value });
      return z.NEVER;
    }
    return parsed;
  },
  // Keys checked one by one: a record's own key check reports only "Invalid key in record".
  z.record(z.string(), TenantIdSchema).superRefine((map, ctx) => {
    for (const account of Object.keys(map)) {
      if (!AccountIdSchema.safeParse(account).success) ctx.addIssue({ code: 'custom', path: [account], message: 'a 12-digit AWS account id', input: account });
    }
  }),
);
