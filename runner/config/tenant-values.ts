import { z } from 'zod';
import { DEFAULT_TENANT, tenantNameSchema } from '../../shared/tenant.js';
import { zoomUserPatternSchema } from '../tenants/zoom-user-allowlist.js';
import { envList } from './env-values.js';

/** `tenant:rest` when the part before the first colon is a tenant name; otherwise no tenant. */
function splitTenant(entry: string): { tenant: string; rest: string } | undefined {
  const colon = entry.indexOf(':');
  if (colon < 0) return undefined;
  const tenant = entry.slice(0, colon);
  return tenantNameSchema.safeParse(tenant).success ? { tenant, rest: entry.slice(colon + 1) } : undefined;
}

/** An API_KEYS entry as parsed: the key's tenant and the key (docs/contract.md §10). */
export interface EnvApiKey {
  tenant: string;
  key: string;
}

/**
 * API_KEYS: comma-separated `tenant:key` entries, a bare key belonging to tenant `default`. Each key
 * (the part after the tenant) is at least `min` characters; a short one is named by position only.
 */
export const envApiKeyList = (min: number) =>
  envList.transform((entries, ctx): EnvApiKey[] => {
    const keys = entries.map((entry) => {
      const split = splitTenant(entry);
      return split ? { tenant: split.tenant, key: split.rest } : { tenant: DEFAULT_TENANT, key: entry };
    });
    const short = keys.findIndex((k) => k.key.length < min);
    if (short >= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must hold keys of at least ${min} characters each (key ${short + 1} is shorter)`,
      });
      return z.NEVER;
    }
    return keys;
  });

/**
 * TENANT_ZOOM_USERS: comma-separated `tenant:pattern` entries (`acme:*@acme.com,acme:U123`), the
 * Zoom users each API_KEYS tenant may name (patterns of `zoomUserPatternSchema`).
 */
export const envTenantZoomUsers = envList.transform((entries, ctx) => {
  const byTenant: Record<string, string[]> = {};
  for (const entry of entries) {
    const split = splitTenant(entry);
    const pattern = split && zoomUserPatternSchema.safeParse(split.rest);
    if (!split || !pattern?.success) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${JSON.stringify(entry)} must be tenant:pattern, the pattern '*', '*@domain', an email or a user id`,
      });
      return z.NEVER;
    }
    byTenant[split.tenant] = [...(byTenant[split.tenant] ?? []), pattern.data];
  }
  return byTenant;
});
