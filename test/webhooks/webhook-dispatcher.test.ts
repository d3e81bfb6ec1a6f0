import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignatureHeader } from '../../runner/http/signed-request.js';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import { createBot, createRig, SECRET, startReceiver, types, until } from './webhook-fixture.js';

/** The receiver recipe of runner/webhooks/README.md, written out as a receiver would. */
function verifyAsDocumented(secret: string, header: string, rawBody: string): boolean {
  const fields = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const t = Number(fields.t);
  if (Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${fields.t}.${rawBody}`).digest();
  const given = Buffer.from(fields.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhook dispatcher', () => {
  it('delivers each state change once, signed, with its event id', async () => {
    const rig = createRig();
    const receiver = await startReceiver();
    rig.start({ origin: receiver.origin });
    const id = await createBot(rig.store, `${receiver.origin}/hooks?token=abc`);
    await rig.store.record(id, { state: 'minting' });
    await until(() => receiver.received.length >= 2);
    // Nothing more arrives once each event was answered 2xx.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(types(receiver.received)).toEqual(['bot.queued', 'bot.minting']);
    const [first] = receiver.received;
    if (!first) throw new Error('no request');
    const header = String(first.headers['x-zbr-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyAsDocumented(SECRET, header, first.raw)).toBe(true);
    expect(verifySignatureHeader(SECRET, header, first.raw)).toBe(true);
    expect(verifyAsDocumented('another-secret', header, first.raw)).toBe(false);
    expect(first.headers['x-zbr-event-id']).toBe(first.body.id);
    expect(first.body).toMatchObject({
      type: 'bot.queued',
      bot: { id, state: 'queued' },
      audience: receiver.origin,
    });
    expect(Date.parse(first.body.createdAt)).not.toBeNaN();
    expect(new Set(receiver.received.map((r) => r.body.id)).size).toBe(2);
    // The receiver's URL (its token) is never logged; its origin is.
    expect(rig.logLines.join('')).not.toContain('token=abc');
  });

  it('retries a 5xx with backoff and keeps the bot’s order behind it', async () => {
    const rig = createRig();
    const receiver = await startReceiver((_request, n) => ({ status: n <= 2 ? 503 : 200 }));
    rig.start({ origin: receiver.origin });
    const id = await createBot(rig.store, `${receiver.origin}/a`);
    await rig.store.record(id, { state: 'minting' });
    await rig.store.record(id, { state: 'joining' });
    await until(() => receiver.received.filter((r) => r.body.type === 'bot.joining').length === 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(types(receiver.received)).toEqual([
      'bot.queued',
      'bot.queued',
      'bot.queued',
      'bot.minting',
      'bot.joining',
    ]);
    // The same event each try: a receiver can drop repeats by its id.
    expect(new Set(receiver.received.slice(0, 3).map((r) => r.body.id)).size).toBe(1);
    const gaps = [1, 2].map(
      (i) => (receiver.received[i]?.receivedAt ?? 0) - (receiver.received[i - 1]?.receivedAt ?? 0),
    );
    expect(gaps[0]).toBeGreaterThanOrEqual(40);
    expect(gaps[1]).toBeGreaterThanOrEqual(90);
  });

  it('retries a receiver that does not answer in time', async () => {
    const rig = createRig();
    const receiver = await startReceiver((_request, n) => ({ status: 200, delayMs: n === 1 ? 1500 : 0 }));
    rig.start({ origin: receiver.origin, settings: { timeoutMs: 300 } });
    const id = await createBot(rig.store, `${receiver.origin}/slow`);
    await until(() => receiver.received.length === 2);
    expect(receiver.received.map((r) => r.body.bot.id)).toEqual([id, id]);
    expect(receiver.received[1]?.body.id).toBe(receiver.received[0]?.body.id);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(receiver.received).toHaveLength(2);
  });

  it('gives up after maxAttempts, logs it, and moves on to the next event', async () => {
    const rig = createRig();
    const receiver = await startReceiver((request) => ({
      status: request.body.type === 'bot.queued' ? 500 : 200,
    }));
    const metrics = new RunnerMetrics();
    rig.start({ origin: receiver.origin, settings: { maxAttempts: 3 }, metrics });
    const id = await createBot(rig.store, `${receiver.origin}/a`);
    await rig.store.record(id, { state: 'minting' });
    await until(() => types(receiver.received).includes('bot.minting'));
    expect(types(receiver.received)).toEqual(['bot.queued', 'bot.queued', 'bot.queued', 'bot.minting']);
    expect(rig.logLines.join('')).toContain('given up');
    // The receiver answers before the dispatcher counts the outcome: wait for the count.
    await expect.poll(() => metrics.text()).toContain('zbr_webhook_deliveries_total{outcome="delivered"} 1');
    const text = await metrics.text();
    expect(text).toContain('zbr_webhook_deliveries_total{outcome="gave_up"} 1');
    expect(text).toContain('zbr_webhook_deliveries_total{outcome="retry"} 2');
    expect(text).toContain('zbr_webhook_deliveries_total{outcome="delivered"} 1');
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    const rig = createRig();
    const receiver = await startReceiver((request) => ({
      status: request.body.type === 'bot.queued' ? 410 : 200,
    }));
    rig.start({ origin: receiver.origin });
    const id = await createBot(rig.store, `${receiver.origin}/a`);
    await rig.store.record(id, { state: 'minting' });
    await until(() => types(receiver.received).includes('bot.minting'));
    expect(types(receiver.received)).toEqual(['bot.queued', 'bot.minting']);
  });

  it('refuses a URL outside the allowlist, and logs it', async () => {
    const rig = createRig();
    const receiver = await startReceiver();
    rig.start({ origin: receiver.origin });
    // Same server, other origin: delivered only if the allowlist were ignored.
    const refused = await createBot(rig.store, receiver.origin.replace('127.0.0.1', 'localhost'));
    const allowed = await createBot(rig.store, `${receiver.origin}/ok`);
    await until(() => receiver.received.length === 1 && rig.logLines.join('').includes('not allowed'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.map((r) => r.body.bot.id)).toEqual([allowed]);
    const line = rig.logLines.find((l) => l.includes('not allowed'));
    expect(line).toContain(refused);
  });

  it('delivers two bots independently: a slow receiver does not delay the other', async () => {
    const rig = createRig();
    const receiver = await startReceiver((request) => ({
      status: 200,
      delayMs: request.path === '/slow' ? 1500 : 0,
    }));
    rig.start({ origin: receiver.origin, settings: { timeoutMs: 5000 } });
    const slow = await createBot(rig.store, `${receiver.origin}/slow`);
    const fast = await createBot(rig.store, `${receiver.origin}/fast`);
    await rig.store.record(slow, { state: 'minting' });
    await rig.store.record(fast, { state: 'minting' });
    await rig.store.record(fast, { state: 'joining' });
    const started = Date.now();
    await until(() => receiver.at('/fast').length === 3);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(types(receiver.at('/fast'))).toEqual(['bot.queued', 'bot.minting', 'bot.joining']);
    // The slow bot's second event waits for its first to be answered.
    expect(types(receiver.at('/slow'))).toEqual(['bot.queued']);
    await until(() => receiver.at('/slow').length === 2, 5000);
    expect(types(receiver.at('/slow'))).toEqual(['bot.queued', 'bot.minting']);
  });

  it('delivers what was recorded while the dispatchers were down, to the bot and to WEBHOOK_URL', async () => {
    const rig = createRig();
    const receiver = await startReceiver();
    // An earlier run: the dispatchers have read this prefix before (its cursor exists).
    await rig.start({ origin: receiver.origin }).close();
    const store = rig.storeWith(`${receiver.origin}/all`);
    const withUrl = await createBot(store, `${receiver.origin}/bot`);
    const without = await createBot(store);
    for (const state of ['minting', 'joining', 'in_meeting'] as const) {
      await store.record(withUrl, { state });
      await store.record(without, { state });
    }
    rig.start({ origin: receiver.origin });
    const order = ['bot.queued', 'bot.minting', 'bot.joining', 'bot.in_meeting'];
    await until(() => receiver.at('/bot').length === 4 && receiver.at('/all').length === 8);
    expect(types(receiver.at('/bot'))).toEqual(order);
    const all = receiver.at('/all');
    expect(types(all.filter((r) => r.body.bot.id === withUrl))).toEqual(order);
    expect(types(all.filter((r) => r.body.bot.id === without))).toEqual(order);
    // One event, one id, whichever receiver gets it.
    expect(receiver.at('/bot').map((r) => r.body.id)).toEqual(
      all.filter((r) => r.body.bot.id === withUrl).map((r) => r.body.id),
    );
  });

  it('never sends a new WEBHOOK_URL the events recorded before it was set', async () => {
    const rig = createRig();
    const receiver = await startReceiver();
    await rig.start({ origin: receiver.origin }).close();
    // Recorded by processes without WEBHOOK_URL, the dispatchers down.
    const old = await createBot(rig.store, `${receiver.origin}/bot`);
    const oldNoUrl = await createBot(rig.store);
    await rig.store.record(old, { state: 'minting' });
    await rig.store.record(oldNoUrl, { state: 'ended', endReason: 'left_by_request' });
    // An entry as written before entries named their global destination (no `global` field).
    const legacy = await createBot(rig.store);
    await rig.redis.xadd(
      `${rig.prefix}:bot-events-stream`,
      '*',
      'id',
      legacy,
      'event',
      JSON.stringify({ id: legacy, state: 'minting', at: new Date().toISOString(), view: {} }),
      'url',
      '',
    );
    // Now a process with WEBHOOK_URL set starts and records.
    const store = rig.storeWith(`${receiver.origin}/all`);
    rig.start({ origin: receiver.origin });
    await store.record(old, { state: 'joining' });
    const fresh = await createBot(store);
    await until(() => receiver.at('/bot').length === 3 && receiver.at('/all').length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The bot's own URL still gets all of its events, the old ones included.
    expect(types(receiver.at('/bot'))).toEqual(['bot.queued', 'bot.minting', 'bot.joining']);
    const all = receiver.at('/all');
    expect(all.map((r) => [r.body.bot.id, r.body.type])).toEqual(
      expect.arrayContaining([
        [old, 'bot.joining'],
        [fresh, 'bot.queued'],
      ]),
    );
    expect(all).toHaveLength(2);
  });

  it('sends each event to the WEBHOOK_URL of the process that recorded it', async () => {
    const rig = createRig();
    const receiver = await startReceiver();
    const metrics = new RunnerMetrics();
    rig.start({ origin: receiver.origin, metrics });
    const api = rig.storeWith(`${receiver.origin}/api-hooks`);
    const worker = rig.storeWith(`${receiver.origin}/worker-hooks`);
    const id = await createBot(api);
    await worker.record(id, { state: 'minting' });
    // The bot's own URL equal to its recorder's WEBHOOK_URL: sent once.
    const same = await createBot(api, `${receiver.origin}/api-hooks`);
    await until(() => receiver.received.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.at('/api-hooks').map((r) => [r.body.bot.id, r.body.type])).toEqual(
      expect.arrayContaining([
        [id, 'bot.queued'],
        [same, 'bot.queued'],
      ]),
    );
    expect(receiver.at('/api-hooks')).toHaveLength(2);
    expect(types(receiver.at('/worker-hooks'))).toEqual(['bot.minting']);
    // The bot lane's copy was skipped once its sealed URL was opened, and nothing is left pending.
    await expect
      .poll(() => metrics.text())
      .toContain('zbr_webhook_deliveries_total{outcome="same_as_global"} 1');
    await expect.poll(() => rig.redis.keys(`${rig.prefix}:webhook:lane:*`)).toEqual([]);
    await expect.poll(() => rig.redis.keys(`${rig.prefix}:webhook:backlog:*`)).toEqual([]);
  });

  it('starts at the end of the stream on a prefix no dispatcher has read', async () => {
    const rig = createRig();
    const receiver = await startReceiver();
    // History from before this deployment's first dispatcher: never delivered, to anyone.
    const store = rig.storeWith(`${receiver.origin}/all`);
    const before = await createBot(store, `${receiver.origin}/bot`);
    await store.record(before, { state: 'minting' });
    await store.record(before, { state: 'ended', endReason: 'left_by_request' });
    rig.start({ origin: receiver.origin });
    const after = await createBot(store, `${receiver.origin}/bot`);
    await until(() => receiver.received.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.map((r) => [r.path, r.body.bot.id, r.body.type]).sort()).toEqual([
      ['/all', after, 'bot.queued'],
      ['/bot', after, 'bot.queued'],
    ]);
  });

  it('carries on after a dispatcher stops mid-backlog: another one delivers the rest, in order', async () => {
    const rig = createRig();
    const receiver = await startReceiver((_request, n) => ({ status: n === 1 ? 503 : 200 }));
    const first = rig.start({
      origin: receiver.origin,
      settings: { backoffBaseMs: 1500, backoffMaxMs: 1500 },
    });
    const id = await createBot(rig.store, `${receiver.origin}/a`);
    await until(() => receiver.received.length === 1);
    await first.close();
    await rig.store.record(id, { state: 'minting' });
    rig.start({ origin: receiver.origin });
    await until(() => receiver.received.length === 3, 8000);
    expect(types(receiver.received)).toEqual(['bot.queued', 'bot.queued', 'bot.minting']);
    // The retry waited out the backoff the first dispatcher set: it lives in Redis, not in a process.
    const [failed, retried] = receiver.received;
    expect((retried?.receivedAt ?? 0) - (failed?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1400);
  });

  it('shares the work between two dispatchers: each event once, in order per bot', async () => {
    const rig = createRig();
    const receiver = await startReceiver();
    rig.start({ origin: receiver.origin });
    rig.start({ origin: receiver.origin });
    const states = ['minting', 'joining', 'in_meeting', 'leaving', 'ended'] as const;
    const bots = await Promise.all([1, 2, 3, 4].map(() => createBot(rig.store, `${receiver.origin}/hooks`)));
    await Promise.all(
      bots.map(async (id) => {
        for (const state of states) await rig.store.record(id, { state, endReason: 'left_by_request' });
      }),
    );
    await until(() => receiver.received.length >= bots.length * 6);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received).toHaveLength(bots.length * 6);
    for (const id of bots) {
      expect(types(receiver.received.filter((r) => r.body.bot.id === id))).toEqual([
        'bot.queued',
        ...states.map((state) => `bot.${state}`),
      ]);
    }
  });
});
