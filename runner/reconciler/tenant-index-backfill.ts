import type { Redis } from 'ioredis';
import { DEFAULT_TENANT } from '../../shared/tenant.js';
import type { Logger } from '../log/logger.js';
import type { QueueKeys } from '../queue/queue-names.js';
import { evalScript } from '../redis/eval-script.js';

/**
 * Set (to the ISO time) once a backfill pass found nothing left to index: no process runs the
 * backfill on this prefix again. Versioned, so a later change of the tenant layout gets its own.
 */
export function tenantIndexMigrationKey(prefix: string): string {
  return `${prefix}:migrations:tenant-index:v1`;
}

/** SCAN COUNT per step: each step is one SCAN and one script over the views it returned. */
const DEFAULT_BATCH = 1_000;

/**
 * KEYS: bot view records (`<prefix>:botview:<id>`) one SCAN step returned. ARGV: 1 record key
 * prefix, 2 tenant key prefix (`<prefix>:tenant:`), 3 the default tenant.
 * Returns {pre-tenant views seen, of them newly indexed, of them newly added to the live set}.
 *
 * A view without `tenant` was stored before tenants existed (docs/contract.md §10): it belongs to
 * the default tenant, exactly as `RECORD_SCRIPT` (bot-store-scripts.ts) treats it. It goes into that
 * tenant's `botindex:all` and `botindex:state:<its state>` scored by `meta.createdMs` (the score every
 * store script uses), and into its live set unless ended (an ended one is taken out: an older api
 * process may have ended it after an earlier pass added it). The view itself is left as it is: its
 * next change sets its tenant and re-adds the same entries, which changes nothing. Everything is
 * read and written in this one script, so no change to the same bot can slip in between.
 * Views that carry a tenant were indexed by the scripts that wrote them and are not touched; a key
 * that is not a readable record is skipped.
 */
const BACKFILL_SCRIPT = `
local pretenant, indexed, live = 0, 0, 0
local tenant = ARGV[2] .. ARGV[3] .. ':'
for _, key in ipairs(KEYS) do
  local raw = redis.pcall('GET', key)
  if type(raw) == 'string' then
    local ok, rec = pcall(cjson.decode, raw)
    if ok and type(rec) == 'table' and type(rec.view) == 'table' and type(rec.meta) == 'table'
      and rec.view.tenant == nil and type(rec.view.state) == 'string'
      and type(rec.meta.createdMs) == 'number' then
      pretenant = pretenant + 1
      local id = string.sub(key, string.len(ARGV[1]) + 1)
      local score = rec.meta.createdMs
      local added = redis.call('ZADD', tenant .. 'botindex:all', score, id)
        + redis.call('ZADD', tenant .. 'botindex:state:' .. rec.view.state, score, id)
      if rec.view.state == 'ended' then
        redis.call('SREM', tenant .. 'live', id)
      elseif redis.call('SADD', tenant .. 'live', id) == 1 then
        live = live + 1
        added = added + 1
      end
      if added > 0 then indexed = indexed + 1 end
    end
  end
end
return {pretenant, indexed, live}
`;

export interface TenantIndexBackfillDeps {
  redis: Redis;
  prefix: string;
  keys: QueueKeys;
  logger: Logger;
  /** Renews the caller's lease before each step; throws (`LeaseLostError`) when it is gone. */
  assertHolder: () => Promise<void>;
  /** SCAN COUNT per step (default 1000). */
  batch?: number;
  now?: () => number;
}

export type TenantIndexBackfillResult =
  | { kind: 'already_done' }
  | {
      kind: 'pass';
      /** Bot views the pass read (SCAN may return a key twice: an upper bound). */
      views: number;
      /** Of them, views stored before tenants (no `tenant`). */
      pretenant: number;
      /** Pre-tenant views this pass added to an index or live set they were missing from. */
      indexed: number;
      /** Of those, added to the default tenant's live set. */
      live: number;
      /** The pass found nothing to add and set the marker. */
      done: boolean;
    };

/**
 * One pass of the tenant-index backfill (docs/contract.md §10, README "Upgrading to tenants"): views
 * stored before tenants join the default tenant's list and live set now rather than at their next
 * change, so `GET /v1/bots` shows them and the live-bot quota counts them. Run by the reconciler's
 * lease holder after a round, until done.
 *
 * The pass SCANs `<prefix>:botview:*` and indexes each step's views in one short script (bounded
 * work, never one script over every bot). Every write is idempotent, so a pass cut short (lease
 * lost, Redis error, process gone) is simply run again from the start by whoever holds the lease
 * next. The marker is set only by a pass that added nothing: the first pass after an upgrade indexes
 * the old views, and passes go on (one per round) while older api processes, still up during a
 * rollout, store more views without a tenant.
 */
export async function backfillTenantIndexes(
  deps: TenantIndexBackfillDeps,
): Promise<TenantIndexBackfillResult> {
  const { redis, keys, logger } = deps;
  const marker = tenantIndexMigrationKey(deps.prefix);
  if ((await redis.exists(marker)) === 1) return { kind: 'already_done' };
  logger.info({ marker }, 'tenant index backfill: started');
  const counts = { views: 0, pretenant: 0, indexed: 0, live: 0 };
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(
      cursor,
      'MATCH',
      `${keys.botPrefix}*`,
      'COUNT',
      deps.batch ?? DEFAULT_BATCH,
    );
    cursor = next;
    if (found.length === 0) continue;
    await deps.assertHolder();
    const [pretenant, indexed, live] = (await evalScript(
      redis,
      BACKFILL_SCRIPT,
      found.length,
      ...found,
      keys.botPrefix,
      keys.tenantPrefix,
      DEFAULT_TENANT,
    )) as [number, number, number];
    counts.views += found.length;
    counts.pretenant += pretenant;
    counts.indexed += indexed;
    counts.live += live;
  } while (cursor !== '0');
  const done = counts.indexed === 0;
  if (done) {
    await deps.assertHolder();
    await redis.set(marker, new Date((deps.now ?? Date.now)()).toISOString());
  }
  logger.info({ ...counts, done }, 'tenant index backfill: finished');
  return { kind: 'pass', ...counts, done };
}
