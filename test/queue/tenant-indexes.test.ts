import { describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../runner/queue/bot-errors.js';
import { OPERATOR, type Principal, trustedPrincipal } from '../../runner/tenants/principal.js';
import { makeQueueLayer, request } from './queue-fixture.js';

/** docs/contract.md §10 in the store: each tenant's indexes and live set, kept by the same scripts. */
describe('tenant indexes and live sets', () => {
  const acme: Principal = { ...trustedPrincipal('acme'), maxLiveBots: 2 };

  it("keep a tenant's live bots, by state, in step with every change, ended ones pruned once expired", async () => {
    const { service, store, redis } = makeQueueLayer({ endedRetentionMs: 50 });
    const { keys } = store;
    const a = (await service.enqueue(acme, request())).bot.id;
    const b = (await service.enqueue(acme, request())).bot.id;
    const other = (await service.enqueue(OPERATOR, request())).bot.id;
    expect((await redis.smembers(keys.tenantLive('acme'))).sort()).toEqual([a, b].sort());
    expect(await redis.smembers(keys.tenantLive('default'))).toEqual([other]);

    await store.record(a, { state: 'minting' });
    expect(await redis.zrange(keys.tenantStateIndex('acme', 'minting'), 0, -1)).toEqual([a]);
    expect(await redis.zrange(keys.tenantStateIndex('acme', 'queued'), 0, -1)).toEqual([b]);
    await store.record(a, { state: 'ended', endReason: 'alone' });
    expect(await redis.smembers(keys.tenantLive('acme'))).toEqual([b]);
    expect((await service.list(acme, { state: 'ended' })).items.map((v) => v.id)).toEqual([a]);

    await new Promise((resolve) => setTimeout(resolve, 120));
    // Ending another of acme's bots prunes acme's expired entries, without any listing.
    await store.record(b, { state: 'ended', endReason: 'alone' });
    expect(await redis.zscore(keys.tenantIndex('acme'), a)).toBeNull();
    expect(await redis.zscore(keys.tenantStateIndex('acme', 'ended'), a)).toBeNull();
  });

  it('read a view stored before tenants as tenant default, and index it at its first change', async () => {
    const { service, store, redis } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request());
    // As an older runner stored it: no tenant in the view, no tenant indexes.
    const raw = JSON.parse((await redis.get(store.keys.bot(bot.id))) ?? '{}');
    delete raw.view.tenant;
    await redis.set(store.keys.bot(bot.id), JSON.stringify(raw));
    await redis.del(store.keys.tenantIndex('default'), store.keys.tenantLive('default'));
    expect(await service.get(trustedPrincipal(), bot.id)).toMatchObject({ tenant: 'default' });
    await expect(service.get(trustedPrincipal('acme'), bot.id)).rejects.toMatchObject({ status: 404 });

    expect((await service.list(trustedPrincipal())).items).toEqual([]);
    await store.record(bot.id, { state: 'minting' });
    expect((await service.list(trustedPrincipal())).items.map((v) => [v.id, v.tenant])).toEqual([
      [bot.id, 'default'],
    ]);
    expect(await redis.smembers(store.keys.tenantLive('default'))).toEqual([bot.id]);
  });

  it('a live bot whose view was deleted by hand does not hold a place under the quota', async () => {
    const { service, store, redis } = makeQueueLayer();
    const first = (await service.enqueue(acme, request())).bot.id;
    await service.enqueue(acme, request());
    await expect(service.enqueue(acme, request())).rejects.toBeInstanceOf(QuotaExceededError);
    await redis.del(store.keys.bot(first));
    expect((await service.enqueue(acme, request())).created).toBe(true);
    expect(await redis.sismember(store.keys.tenantLive('acme'), first)).toBe(0);
  });
});
