import { DEFAULT_TENANT } from '../../shared/tenant.js';
import { ZoomUserAllowlist } from './zoom-user-allowlist.js';

/**
 * Who is asking (docs/contract.md §10), and what that caller may do. The identity is `{tenant,
 * keyId, admin}`; the rest is the key's policy, read per request so a changed or revoked key counts
 * at once.
 */
export interface Principal {
  readonly tenant: string;
  /**
   * The key that authenticated the call (`key-…` for keys in Redis, `env-…` for API_KEYS entries,
   * never the key itself); undefined for trusted in-process callers (the producer library, the CLI).
   */
  readonly keyId: string | undefined;
  /** Sees and stops the bots of every tenant; its own bots still belong to its tenant. */
  readonly admin: boolean;
  /** Zoom users this caller may name in `auth.user` (docs/contract.md §10). */
  readonly zoomUsers: ZoomUserAllowlist;
  /** Live bots (every state but `ended`) its tenant may hold; undefined: no limit. */
  readonly maxLiveBots: number | undefined;
  /** Enqueues per second across the fleet for its tenant; undefined: no limit. */
  readonly ratePerSec: number | undefined;
}

/** What reads and leaves are scoped by: one tenant's bots, or every tenant's for an admin. */
export type BotScope = Pick<Principal, 'tenant' | 'admin'>;

/** Whether `scope` may see a bot of `tenant`. */
export function canSee(scope: BotScope, tenant: string): boolean {
  return scope.admin || scope.tenant === tenant;
}

/**
 * A caller inside the deployment's trust boundary (it holds Redis access, so it could write jobs
 * directly): the producer library and the CLI. It acts as `tenant`, with no allowlist or limits.
 */
export function trustedPrincipal(
  tenant: string = DEFAULT_TENANT,
  options: { admin?: boolean } = {},
): Principal {
  return {
    tenant,
    keyId: undefined,
    admin: options.admin ?? false,
    zoomUsers: ZoomUserAllowlist.anyone,
    maxLiveBots: undefined,
    ratePerSec: undefined,
  };
}

/** The deployment itself (the embedded default's shutdown, tests): every tenant's bots, new ones as `default`. */
export const OPERATOR: Principal = trustedPrincipal(DEFAULT_TENANT, { admin: true });
