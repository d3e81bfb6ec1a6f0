import type { MiddlewareHandler } from 'hono';
import type { EnvApiKey } from '../config/tenant-values.js';
import type { ApiKeyStore } from '../tenants/api-key-store.js';
import { EnvApiKeys } from '../tenants/env-api-keys.js';
import type { Principal } from '../tenants/principal.js';
import { ZoomUserAllowlist } from '../tenants/zoom-user-allowlist.js';
import { apiErrors } from './api-errors.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by `apiKeyAuth` on every `/v1` request: who is calling (docs/contract.md §10). */
    principal: Principal;
  }
}

/** What an API_KEYS key may do: its tenant's TENANT_ZOOM_USERS, TENANT_MAX_LIVE_BOTS, TENANT_RATE_PER_SEC. */
export interface EnvKeyPolicy {
  zoomUsers: Readonly<Record<string, readonly string[]>>;
  maxLiveBots: number;
  ratePerSec: number;
}

export interface ApiKeyAuthOptions {
  /** API_KEYS (or the `start` command's generated key). */
  envKeys: readonly EnvApiKey[];
  envPolicy: EnvKeyPolicy;
  /** Keys made with `zoom-bot-runner keys create`, looked up on every request. */
  store: ApiKeyStore;
}

/**
 * `Authorization: Bearer <key>`: an API_KEYS key (compared in constant time against every one), else
 * a key in Redis (one GET by its SHA-256, on every request, so a revoked key is refused from the next
 * request on by every api process). Sets the caller's `principal`. A request with no valid key is a
 * 401: an API that enqueues bots is never open by default.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): MiddlewareHandler {
  const envKeys = new EnvApiKeys(options.envKeys);
  const { envPolicy, store } = options;
  const allowlists = new Map(
    Object.entries(envPolicy.zoomUsers).map(([tenant, patterns]) => [
      tenant,
      new ZoomUserAllowlist(patterns),
    ]),
  );
  return async (c, next) => {
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw apiErrors.unauthorized('Missing API key: send Authorization: Bearer <key>');
    const key = match[1];
    const env = envKeys.match(key);
    let principal: Principal | undefined;
    if (env) {
      principal = {
        tenant: env.tenant,
        keyId: env.keyId,
        admin: false,
        zoomUsers: allowlists.get(env.tenant) ?? ZoomUserAllowlist.none,
        maxLiveBots: envPolicy.maxLiveBots,
        ratePerSec: envPolicy.ratePerSec,
      };
    } else {
      const record = await store.findByKey(key);
      if (record) {
        principal = {
          tenant: record.tenant,
          keyId: record.id,
          admin: record.admin,
          zoomUsers: new ZoomUserAllowlist(record.zoomUsers),
          maxLiveBots: record.maxLiveBots,
          ratePerSec: record.ratePerSec,
        };
      }
    }
    if (!principal) {
      throw apiErrors.unauthorized(
        envKeys.size > 0
          ? 'Invalid API key'
          : 'Invalid API key (no API_KEYS are configured: set API_KEYS, comma-separated, or create a key with zoom-bot-runner keys create)',
      );
    }
    c.set('principal', principal);
    await next();
  };
}
