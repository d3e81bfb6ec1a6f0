import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../runner/queue/bot-list.js';
import type { NewApiKey } from '../../runner/tenants/api-key-store.js';
import type { BotView } from '../../shared/bot-view.js';
import { errorBodySchema } from '../../shared/error-body.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { type ApiFixture, botRequest, startApi } from './api-fixture.js';

/**
 * docs/contract.md §10 against a hostile tenant, over real HTTP and Redis: tenant beta holds a valid
 * key and tries everything to reach acme's bots, to join as acme's Zoom users, and to crowd acme out.
 */
const ACME_KEY = 'acme-key-0123456789abcdefghij';
const BETA_KEY = 'beta-key-0123456789abcdefghij';
const ENV = {
  API_KEYS: `acme:${ACME_KEY},beta:${BETA_KEY}`,
  TENANT_ZOOM_USERS: 'acme:*@acme.test,acme:U-acme-1,beta:ops@beta.test',
};

type Call = (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;

function as(api: ApiFixture, key: string): Call {
  return (path, init = {}) =>
    api.call(path, { ...init, headers: { Authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
}

async function enqueue(call: Call, overrides: Record<string, unknown> = {}): Promise<BotView> {
  const response = await call('/v1/bots', { method: 'POST', json: botRequest(overrides) });
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
  return (await response.json()) as BotView;
}

async function listIds(call: Call, query = ''): Promise<string[]> {
  const response = await call(`/v1/bots${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: BotView[] }).items.map((bot) => bot.id);
}

/** Status, headers that could differ, and the body with the asked-for id masked. */
async function answer(response: Response, id: string) {
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    length: response.headers.get('content-length'),
    body: (await response.text()).replaceAll(id, '<id>'),
  };
}

/** A key in Redis for `tenant`, as `zoom-bot-runner keys create` makes one. */
async function redisKey(api: ApiFixture, tenant: string, policy: Partial<NewApiKey> = {}): Promise<Call> {
  const { key } = await api.layer.apiKeys.create({
    tenant,
    admin: false,
    zoomUsers: [],
    maxLiveBots: 100,
    ratePerSec: 100,
    ...policy,
  });
  return as(api, key);
}

describe('a hostile tenant', () => {
  it("cannot read, follow or remove another tenant's bot: the same 404 as for a missing id", async () => {
    const api = await startApi(ENV);
    const acme = as(api, ACME_KEY);
    const beta = as(api, BETA_KEY);
    const bot = await enqueue(acme);
    expect(bot.tenant).toBe('acme');
    const missing = randomUUID();
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/events'],
      ['DELETE', ''],
    ] as const) {
      const theirs = await answer(await beta(`/v1/bots/${bot.id}${suffix}`, { method }), bot.id);
      const nobody = await answer(await beta(`/v1/bots/${missing}${suffix}`, { method }), missing);
      expect(theirs, `${method} ${suffix}`).toEqual(nobody);
      expect(theirs.status).toBe(404);
      expect(errorBodySchema.parse(JSON.parse(theirs.body)).error.code).toBe('not_found');
    }
    // beta's DELETE did nothing: acme's bot is still queued, and acme reads it.
    const response = await acme(`/v1/bots/${bot.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: bot.id, state: 'queued', tenant: 'acme' });
  });

  it("takes the very Redis path for another tenant's bot as for a missing one", async () => {
    const api = await startApi(ENV);
    const bot = await enqueue(as(api, ACME_KEY));
    const beta = as(api, BETA_KEY);
    const missing = randomUUID();
    const prober = connectTestRedis();
    const monitor = await prober.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      const command = args.join(' ');
      // BullMQ writes its queue's meta once, in the background, whenever its connection is ready.
      if (command.includes(api.prefix) && !command.includes(':bots:meta')) seen.push(command);
    });
    /** The commands the API sent for one request, ids masked (a marker command closes the sequence). */
    const commandsOf = async (id: string, path: string) => {
      seen.length = 0;
      const response = await beta(path);
      await response.body?.cancel();
      const marker = `${api.prefix}:probe:${randomUUID()}`;
      await prober.get(marker);
      await expect.poll(() => seen.some((c) => c.includes(marker)), { timeout: 10_000 }).toBe(true);
      return seen.filter((c) => !c.includes(marker)).map((c) => c.replaceAll(id, '<id>'));
    };
    try {
      for (const suffix of ['', '/events']) {
        const theirs = await commandsOf(bot.id, `/v1/bots/${bot.id}${suffix}`);
        const nobody = await commandsOf(missing, `/v1/bots/${missing}${suffix}`);
        expect(theirs.length).toBeGreaterThan(0);
        expect(theirs).toEqual(nobody);
      }
    } finally {
      monitor.disconnect();
      prober.disconnect();
    }
  });

  it("lists and pages only its own bots, even from a cursor made of another tenant's bot", async () => {
    const api = await startApi(ENV);
    const acme = as(api, ACME_KEY);
    const beta = as(api, BETA_KEY);
    const acmeBots: BotView[] = [];
    const betaBots: BotView[] = [];
    for (let i = 0; i < 3; i++) {
      acmeBots.push(await enqueue(acme));
      betaBots.push(await enqueue(beta));
    }
    const newestFirst = (bots: BotView[]) => bots.map((b) => b.id).reverse();
    expect(await listIds(beta)).toEqual(newestFirst(betaBots));
    expect(await listIds(acme)).toEqual(newestFirst(acmeBots));
    expect(await listIds(beta, '?state=queued')).toEqual(newestFirst(betaBots));

    // Paging through its own bots never reaches acme's.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await beta(`/v1/bots?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await response.json()) as { items: BotView[]; nextCursor?: string };
      paged.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(newestFirst(betaBots));

    // A cursor forged from acme's newest bot only positions beta in its own list.
    const newestAcme = acmeBots[2] as BotView;
    const forged = encodeCursor({ createdMs: Date.parse(newestAcme.createdAt), id: newestAcme.id });
    for (const id of await listIds(beta, `?cursor=${forged}`))
      expect(betaBots.map((b) => b.id)).toContain(id);

    // Naming acme is refused; an admin key sees everyone, or one tenant.
    const refused = await beta('/v1/bots?tenant=acme');
    expect(refused.status).toBe(422);
    expect(errorBodySchema.parse(await refused.json()).error.field).toBe('tenant');
    const admin = await redisKey(api, 'ops', { admin: true });
    expect((await listIds(admin)).sort()).toEqual([...acmeBots, ...betaBots].map((b) => b.id).sort());
    expect(await listIds(admin, '?tenant=beta')).toEqual(newestFirst(betaBots));
    expect((await admin(`/v1/bots/${newestAcme.id}`)).status).toBe(200);
  });

  it("learns nothing of another tenant's bot from a same-user 409: the answer names no bot", async () => {
    // One Zoom user both tenants may name: its seat in a meeting is fleet-wide.
    const api = await startApi({ ...ENV, TENANT_ZOOM_USERS: `${ENV.TENANT_ZOOM_USERS},beta:seat@acme.test` });
    const acme = as(api, ACME_KEY);
    const beta = as(api, BETA_KEY);
    const seat = { auth: { type: 'zak', user: 'seat@acme.test' } };
    const held = await enqueue(acme, seat);
    const refused = await beta('/v1/bots', { method: 'POST', json: botRequest(seat) });
    expect(refused.status).toBe(409);
    const body = await refused.text();
    expect(body).toContain('same_user_in_meeting');
    expect(body).not.toContain(held.id);
    // Its own tenant is told which bot holds the seat.
    const own = await acme('/v1/bots', { method: 'POST', json: botRequest(seat) });
    expect(own.status).toBe(409);
    expect(await own.text()).toContain(held.id);
  });

  it("cannot dedupe into another tenant's bot: its dedupeKey gets a bot of its own", async () => {
    const api = await startApi(ENV);
    const acme = as(api, ACME_KEY);
    const beta = as(api, BETA_KEY);
    const ours = await enqueue(acme, { dedupeKey: 'standup-42' });
    const theirs = await enqueue(beta, { dedupeKey: 'standup-42' });
    expect(theirs.id).not.toBe(ours.id);
    expect(theirs.tenant).toBe('beta');
    const again = await acme('/v1/bots', { method: 'POST', json: botRequest({ dedupeKey: 'standup-42' }) });
    expect(again.status).toBe(200);
    expect(((await again.json()) as BotView).id).toBe(ours.id);
  });

  it('cannot send a bot in as, or on behalf of, a Zoom user off its allowlist: 403 naming auth.user', async () => {
    const api = await startApi(ENV);
    const acme = as(api, ACME_KEY);
    const beta = as(api, BETA_KEY);
    for (const auth of [
      { type: 'zak', user: 'ceo@acme.test' },
      { type: 'obf', user: 'ceo@acme.test' },
      { type: 'zak', user: 'U-acme-1' },
      { type: 'obf', user: 'ops@beta.test.evil' },
    ]) {
      const response = await beta('/v1/bots', { method: 'POST', json: botRequest({ auth }) });
      expect(response.status, JSON.stringify(auth)).toBe(403);
      expect(errorBodySchema.parse(await response.json()).error).toMatchObject({
        code: 'zoom_user_not_allowed',
        field: 'auth.user',
      });
    }
    expect(await listIds(beta)).toEqual([]);
    // Its own user (emails in any case), the service user and the pool are fine.
    await enqueue(beta, { auth: { type: 'zak', user: 'OPS@Beta.test' } });
    await enqueue(beta, { auth: { type: 'zak', user: 'pool' }, meetingNumber: '223 4567 8901' });
    await enqueue(beta, { auth: { type: 'zak' }, meetingNumber: '323 4567 8901' });
    // acme's allowlist has the domain and one id (ids exactly, emails case-insensitively).
    await enqueue(acme, { auth: { type: 'obf', user: 'CEO@acme.test' } });
    await enqueue(acme, { auth: { type: 'zak', user: 'U-acme-1' }, meetingNumber: '423 4567 8901' });
    const wrongCase = await acme('/v1/bots', {
      method: 'POST',
      json: botRequest({ auth: { type: 'zak', user: 'u-ACME-1' } }),
    });
    expect(wrongCase.status).toBe(403);
  });

  it('hits 429 quota_exceeded at its live-bot limit while another tenant still enqueues', async () => {
    const api = await startApi(ENV);
    const acme = as(api, ACME_KEY);
    const gamma = await redisKey(api, 'gamma', { maxLiveBots: 2 });
    // Five at once: the limit is checked in the script that creates the bot, so exactly two win.
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => gamma('/v1/bots', { method: 'POST', json: botRequest() })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 429, 429, 429]);
    const refused = answers.find((r) => r.status === 429) as Response;
    expect(errorBodySchema.parse(await refused.json()).error.code).toBe('quota_exceeded');
    await enqueue(acme);
    // One ends (it had not joined: at once), and its place is free again.
    const [first] = await listIds(gamma);
    expect((await gamma(`/v1/bots/${first}`, { method: 'DELETE' })).status).toBe(202);
    await enqueue(gamma);
    expect((await gamma('/v1/bots', { method: 'POST', json: botRequest() })).status).toBe(429);
  });

  it('hits 429 rate_limited with Retry-After at its rate, counted across api processes, while another tenant still enqueues', async () => {
    const first = await startApi(ENV);
    const second = await startApi(ENV, { prefix: first.prefix });
    const { key } = await first.layer.apiKeys.create({
      tenant: 'delta',
      admin: false,
      zoomUsers: [],
      maxLiveBots: 100,
      ratePerSec: 3,
    });
    const post = (api: ApiFixture) => as(api, key)('/v1/bots', { method: 'POST', json: botRequest() });
    const answers = await Promise.all([first, second, first, second, first, second].map(post));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(3);
    for (const response of limited) {
      expect(response.headers.get('retry-after')).toBe('1');
      expect(errorBodySchema.parse(await response.json()).error.code).toBe('rate_limited');
    }
    await enqueue(as(second, ACME_KEY));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await post(second)).status).toBe(201);
  });

  it('a revoked key is refused within a second by every api process sharing the Redis', async () => {
    const first = await startApi(ENV);
    const second = await startApi(ENV, { prefix: first.prefix });
    const { key, record } = await first.layer.apiKeys.create({
      tenant: 'epsilon',
      admin: false,
      zoomUsers: [],
      maxLiveBots: 10,
      ratePerSec: 10,
    });
    for (const api of [first, second]) expect((await as(api, key)('/v1/bots')).status).toBe(200);
    expect(await second.layer.apiKeys.revoke(record.id)).toBe(true);
    const revokedAt = Date.now();
    for (const api of [first, second]) {
      await expect.poll(async () => (await as(api, key)('/v1/bots')).status, { timeout: 1_000 }).toBe(401);
    }
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  });

  it("stamps its bots' views and jobs with its tenant and key id, never the key", async () => {
    const api = await startApi(ENV);
    const bot = await enqueue(as(api, BETA_KEY));
    const job = await api.layer.queue.getJob(bot.id);
    expect(job?.data).toMatchObject({ tenant: 'beta', keyId: expect.stringMatching(/^env-[0-9a-f]{12}$/) });
    expect(JSON.stringify(job?.data)).not.toContain(BETA_KEY);
  });
});
