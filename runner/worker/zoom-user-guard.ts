import type { BotAuth } from '../../shared/bot-request.js';
import type { JobOwner } from '../queue/job-data.js';
import type { CredentialSource, MintError } from '../supervisor/ports.js';
import type { ApiKeyStore } from '../tenants/api-key-store.js';
import { isEnvKeyId } from '../tenants/env-api-keys.js';
import { ZoomUserAllowlist, zoomUserToCheck } from '../tenants/zoom-user-allowlist.js';

/**
 * The job's Zoom user is not (or no longer) on its key's allowlist, or its key was revoked: the bot
 * ends `auth_failed` with `endDetail: 'zoom_user_not_allowed'`, and nothing is minted.
 */
export class ZoomUserNoLongerAllowedError extends Error implements MintError {
  readonly code = 'zoom_user_not_allowed';
  readonly retryable = false;
}

export interface ZoomUserGuardOptions {
  /** Keys in Redis: their allowlists, and whether they still exist. */
  keys: Pick<ApiKeyStore, 'getById'>;
  /** This process's TENANT_ZOOM_USERS: the allowlists of API_KEYS keys' tenants. */
  tenantZoomUsers: Readonly<Record<string, readonly string[]>>;
}

/**
 * docs/contract.md §10, checked again by the worker before every mint: the API checked the request's
 * Zoom user at enqueue, but the allowlist may have narrowed, or the key been revoked, since. Jobs
 * without a key id came from a trusted producer (the library, the CLI) and pass, as they did at
 * enqueue; so do requests that name no user (the service user, the pool, `none`, `callback`).
 */
export class ZoomUserGuard {
  constructor(private readonly options: ZoomUserGuardOptions) {}

  async check(owner: JobOwner, auth: BotAuth): Promise<void> {
    const user = zoomUserToCheck(auth);
    if (user === undefined || owner.keyId === undefined) return;
    const allowlist = await this.allowlistOf(owner.tenant, owner.keyId);
    if (!allowlist?.allows(user)) {
      throw new ZoomUserNoLongerAllowedError(
        `${user} is not on the allowlist of key ${owner.keyId} (tenant ${owner.tenant}), or the key was revoked`,
      );
    }
  }

  private async allowlistOf(tenant: string, keyId: string): Promise<ZoomUserAllowlist | undefined> {
    if (isEnvKeyId(keyId)) return new ZoomUserAllowlist(this.options.tenantZoomUsers[tenant] ?? []);
    const record = await this.options.keys.getById(keyId);
    return record?.tenant === tenant ? new ZoomUserAllowlist(record.zoomUsers) : undefined;
  }
}

/** `source`, with `guard`'s check before each mint of one job's credentials. */
export function guardedCredentials(
  source: CredentialSource,
  guard: ZoomUserGuard,
  owner: JobOwner,
): CredentialSource {
  return {
    mint: async (botId, request) => {
      await guard.check(owner, request.auth);
      return source.mint(botId, request);
    },
    ...(source.release ? { release: source.release.bind(source) } : {}),
  };
}
