import { describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../runner/queue/bot-errors.js';
import { LeaseLostError } from '../../runner/reconciler/lease-lost-error.js';
import {
  backfillTenantIndexes,
  tenantIndexMigrationKey,
} from '../../runner/reconciler/tenant-index-backfill.js';
import { type Principal, trustedPrincipal } from '../../runner/tenants/principal.js';
import type { BotState } from '../../shared/bot-states.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { keysUnder, type QueueLayer, request } from '../queue/queue-fixture.js';
import { actionCount, makeReconcilerRig, sleep } from './reconciler-fixture.js';

const DEFAULT = trustedPrincipal();

/** Creates bots one after another (distinct creation times), moved on to the states given. */
async function createBots(
  layer: QueueLayer,
  states: BotState[],
  caller: Principal = DEFAULT,
): Promise<string[]> {
  const ids: string[] = [];
  for (const state of states) {
    const id = (await layer.service.enqueue(caller, request())).bot.id;
    if (state === 'ended') await layer.store.record(id, { state: 'ended', endReason: 'alone' });
    else if (state !== 'queued') await layer.store.record(id, { state });
    ids.push(id);
    await sleep(3);
  }
  return ids;
}

/**
 * Leaves these views as a runner from before tenants stored them: no `tenant` in the view (its TTL
 * kept), and none of the default tenant's indexes or live set.
 */
async function asBeforeTenants(layer: QueueLayer, ids: string[]): Promise<void> {
  const { redis, store } = layer;
  for (const id of ids) {
    const raw = JSON.parse((await redis.get(store.keys.bot(id))) ?? '{}');
    delete raw.view.tenant;
    await redis.set(store.keys.bot(id), JSON.stringify(raw), 'KEEPTTL');
  }
  const tenantKeys = await keysUnder(redis, `${layer.prefix}:tenant:default`);
  if (tenantKeys.length > 0) await redis.del(...tenantKeys);
}

/** Every page of a list, ids in the order the API returns them. */
async function listAll(layer: QueueLayer, state?: BotState): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await layer.service.list(DEFAULT, {
      limit: 2,
      ...(state ? { state } : {}),
      ...(cursor ? { cursor } : {}),
    });
    ids.push(...page.items.map((view) => view.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** The default tenant's index and live-set entries, to tell whether a pass changed anything. */
async function defaultTenantEntries(layer: QueueLayer): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const key of (await keysUnder(layer.redis, `${layer.prefix}:tenant:default`)).sort()) {
    out[key] =
      (await layer.redis.type(key)) === 'set'
        ? (await layer.redis.smembers(key)).sort()
        : await layer.redis.zrange(key, 0, -1, 'WITHSCORES');
  }
  return out;
}

function backfill(layer: QueueLayer, assertHolder: () => Promise<void> = async () => {}) {
  return backfillTenantIndexes({
    redis: layer.redis,
    prefix: layer.prefix,
    keys: layer.store.keys,
    logger: captureLogger('warn').logger,
    assertHolder,
  });
}

/** docs/contract.md §10, README "Upgrading to tenants": views stored before tenants, indexed once. */
describe('tenant index backfill', () => {
  it("puts pre-tenant views in the default tenant's list and live count on the reconciler's round, once", async () => {
    const rig = makeReconcilerRig();
    const { redis, store } = rig;
    const ids = await createBots(rig, ['queued', 'ended', 'minting', 'queued', 'ended']);
    const acme = await createBots(rig, ['queued'], trustedPrincipal('acme'));
    const live = [ids[0], ids[2], ids[3]] as string[];
    const newestFirst = [...ids].reverse();
    expect(await listAll(rig)).toEqual(newestFirst);

    await asBeforeTenants(rig, ids);
    const views = await redis.mget(ids.map((id) => store.keys.bot(id)));
    // What an upgrade left: the bots are readable by id, but not listed nor counted.
    expect((await rig.service.get(DEFAULT, ids[0] as string)).tenant).toBe('default');
    expect(await listAll(rig)).toEqual([]);
    expect(await redis.scard(store.keys.tenantLive('default'))).toBe(0);

    const { logger, lines } = captureLogger('info');
    const { reconciler, metrics } = rig.reconciler({ logger });
    const logged = (msg: string) => lines.map((l) => JSON.parse(l)).filter((l) => l.msg === msg);

    await reconciler.tick();
    expect(await listAll(rig)).toEqual(newestFirst);
    expect(await listAll(rig, 'ended')).toEqual([ids[4], ids[1]]);
    expect(await listAll(rig, 'queued')).toEqual([ids[3], ids[0]]);
    expect(await listAll(rig, 'minting')).toEqual([ids[2]]);
    expect((await redis.smembers(store.keys.tenantLive('default'))).sort()).toEqual([...live].sort());
    // The quota now counts them: three live bots, a limit of three.
    await expect(rig.service.enqueue({ ...DEFAULT, maxLiveBots: 3 }, request())).rejects.toBeInstanceOf(
      QuotaExceededError,
    );
    // The views themselves are as they were (without a tenant), their ended ones still expiring.
    expect(await redis.mget(ids.map((id) => store.keys.bot(id)))).toEqual(views);
    expect(await redis.pttl(store.keys.bot(ids[1] as string))).toBeGreaterThan(0);
    expect(await rig.service.list(trustedPrincipal('acme'))).toMatchObject({ items: [{ id: acme[0] }] });
    expect(await actionCount(metrics, 'tenant_index_backfilled')).toBe(5);
    expect(logged('tenant index backfill: started')).toHaveLength(1);
    expect(logged('tenant index backfill: finished')).toEqual([
      expect.objectContaining({ pretenant: 5, indexed: 5, live: 3, done: false }),
    ]);
    // Not done yet: a pass marks it done only once it found nothing to add (an older api process
    // may still be storing views without a tenant during a rollout).
    expect(await redis.exists(tenantIndexMigrationKey(rig.prefix))).toBe(0);

    const after = await defaultTenantEntries(rig);
    await reconciler.tick();
    expect(await defaultTenantEntries(rig)).toEqual(after);
    expect(logged('tenant index backfill: finished').at(-1)).toMatchObject({
      pretenant: 5,
      indexed: 0,
      done: true,
    });
    expect(await redis.exists(tenantIndexMigrationKey(rig.prefix))).toBe(1);

    // Done: no process runs it again, this one nor another (a fresh reconciler holding the lease).
    await reconciler.tick();
    await reconciler.close();
    const other = rig.reconciler({ logger });
    await other.reconciler.tick();
    expect(logged('tenant index backfill: started')).toHaveLength(2);
    expect(await actionCount(metrics, 'tenant_index_backfilled')).toBe(5);

    // A backfilled bot's next change keeps the tenant's indexes right, and its end leaves the live count.
    await store.record(ids[3] as string, { state: 'ended', endReason: 'alone' });
    expect(await listAll(rig, 'ended')).toEqual([ids[4], ids[3], ids[1]]);
    expect(await listAll(rig, 'queued')).toEqual([ids[0]]);
    expect((await redis.smembers(store.keys.tenantLive('default'))).sort()).toEqual([ids[0], ids[2]].sort());
  });

  it('a pass cut short is run again from the start with the same result; an ended view leaves the live set', async () => {
    const rig = makeReconcilerRig();
    const { redis, store } = rig;
    const ids = await createBots(rig, ['queued', 'joining', 'ended', 'queued']);
    await asBeforeTenants(rig, ids);
    // Half done, as a pass that stopped midway leaves it...
    await redis.zadd(
      store.keys.tenantIndex('default'),
      (await redis.zscore(store.keys.allIndex, ids[0] as string)) ?? 0,
      ids[0] as string,
    );
    await redis.sadd(store.keys.tenantLive('default'), ids[0] as string);
    // ...and a view an older api process ended after that pass counted it live.
    await redis.sadd(store.keys.tenantLive('default'), ids[2] as string);

    const lost = new LeaseLostError(`${rig.prefix}:reconciler:leader`);
    await expect(backfill(rig, () => Promise.reject(lost))).rejects.toBe(lost);
    expect(await redis.exists(tenantIndexMigrationKey(rig.prefix))).toBe(0);

    expect(await backfill(rig)).toMatchObject({
      kind: 'pass',
      pretenant: 4,
      indexed: 4,
      live: 2,
      done: false,
    });
    expect(await listAll(rig)).toEqual([...ids].reverse());
    expect(await listAll(rig, 'joining')).toEqual([ids[1]]);
    expect((await redis.smembers(store.keys.tenantLive('default'))).sort()).toEqual(
      [ids[0], ids[1], ids[3]].sort(),
    );
    expect(await backfill(rig)).toMatchObject({ kind: 'pass', indexed: 0, done: true });
    expect(await backfill(rig)).toEqual({ kind: 'already_done' });
  });

  it('a deployment with no view from before tenants is done after one pass that changes nothing', async () => {
    const rig = makeReconcilerRig();
    await createBots(rig, ['queued', 'ended']);
    const before = await defaultTenantEntries(rig);
    expect(await backfill(rig)).toMatchObject({
      kind: 'pass',
      views: 2,
      pretenant: 0,
      indexed: 0,
      done: true,
    });
    expect(await defaultTenantEntries(rig)).toEqual(before);
    expect(await backfill(rig)).toEqual({ kind: 'already_done' });
  });
});
