import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FleetSnapshot } from '../../runner/dashboard/fleet-snapshot.js';
import { WorkerHeartbeat } from '../../runner/worker/worker-heartbeat.js';
import { BOT_STATES, type BotState } from '../../shared/bot-states.js';
import { type ApiFixture, botRequest, startApi } from '../api/api-fixture.js';
import { captureLogger } from '../helpers/capture-logger.js';

const USER = 'ops';
const PASSWORD = 'fleet-pw-0123456789';
const DASHBOARD = { DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD };
const PASSCODE = 'pc-FLEET-SECRET-31415';
const HOOK = 'https://hooks.example.com/zbr/hook-FLEET-SECRET-27182';
const METADATA_SECRET = 'md-FLEET-SECRET-16180';

function basic(user = USER, password = PASSWORD): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

async function fleetData(api: ApiFixture, query = ''): Promise<{ text: string; data: FleetSnapshot }> {
  const res = await fetch(`${api.url}/admin/fleet/data${query}`, { headers: basic() });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, data: JSON.parse(text) as FleetSnapshot };
}

async function enqueue(api: ApiFixture, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await api.call('/v1/bots', { method: 'POST', json: botRequest(overrides) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function countByApi(api: ApiFixture, state: BotState): Promise<number> {
  let total = 0;
  let cursor: string | undefined;
  do {
    const res = await api.call(`/v1/bots?state=${state}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    const page = (await res.json()) as { items: unknown[]; nextCursor?: string };
    total += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return total;
}

function expectNoSecret(text: string): void {
  for (const secret of [PASSCODE, HOOK, 'hook-FLEET-SECRET', METADATA_SECRET])
    expect(text).not.toContain(secret);
}

describe('fleet page (/admin/fleet) over the real API app', () => {
  it('is refused without credentials (401 with a challenge) and served with them', async () => {
    const api = await startApi(DASHBOARD);
    for (const path of ['/admin/fleet', '/admin/fleet/', '/admin/fleet/data']) {
      const none = await fetch(`${api.url}${path}`);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect((await fetch(`${api.url}${path}`, { headers: basic(USER, `${PASSWORD}x`) })).status).toBe(401);
      // An API key is not a dashboard login.
      expect((await api.call(path)).status).toBe(401);
      expect((await fetch(`${api.url}${path}`, { headers: basic() })).status, path).toBe(200);
    }
  });

  it('is off (404) when the dashboard login is not configured', async () => {
    const api = await startApi({ DASHBOARD_USER: USER });
    for (const path of ['/admin/fleet', '/admin/fleet/data']) {
      expect((await fetch(`${api.url}${path}`, { headers: basic() })).status).toBe(404);
    }
  });

  it('is read-only whatever DASHBOARD_READONLY says: anything but GET is a 405', async () => {
    const api = await startApi({ ...DASHBOARD, DASHBOARD_READONLY: 'false' });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['/admin/fleet', '/admin/fleet/data']) {
        const res = await fetch(`${api.url}${path}`, { method, headers: basic() });
        expect(res.status, `${method} ${path}`).toBe(405);
      }
      // Without a login it is refused before anything else.
      expect((await fetch(`${api.url}/admin/fleet/data`, { method })).status).toBe(401);
    }
  });

  it('serves a page whose only script is the one its policy allows, with no secret in it', async () => {
    const api = await startApi(DASHBOARD);
    const res = await fetch(`${api.url}/admin/fleet`, { headers: basic() });
    const html = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const csp = res.headers.get('content-security-policy') ?? '';
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(1);
    const digest = createHash('sha256')
      .update(scripts[0] ?? '')
      .digest('base64');
    expect(csp).toContain(`script-src 'sha256-${digest}'`);
    expect(csp).toContain("default-src 'none'");
    expect(html).toContain('/admin/fleet/data');
    expectNoSecret(html);
  });

  it('shows bots by state (as GET /v1/bots counts them), meetings, changes, ends and rejoins; no secret', async () => {
    const api = await startApi({ ...DASHBOARD, OUTBOUND_URL_ALLOWLIST: 'https://hooks.example.com' });
    const secretive = {
      passcode: PASSCODE,
      webhookUrl: HOOK,
      metadata: { note: METADATA_SECRET },
    };
    const a = await enqueue(api, { meetingNumber: '111 2222 3333', displayName: 'Alpha', ...secretive });
    const b = await enqueue(api, { meetingNumber: '111 2222 3333', displayName: 'Bravo' });
    const c = await enqueue(api, { meetingNumber: '444 5555 6666', displayName: 'Charlie' });
    const d = await enqueue(api, { meetingNumber: '444 5555 6666', displayName: 'Delta' });
    const { store } = api.layer;
    for (const id of [a, b, c]) {
      for (const state of ['minting', 'joining', 'in_meeting'] as const) await store.record(id, { state });
    }
    const { data: before } = await fleetData(api);
    const cursor = before.changes.cursor;

    await store.record(a, { state: 'rejoining', reason: 'drop' });
    await store.record(a, { state: 'minting' });
    await store.record(a, { state: 'joining' });
    await store.record(a, { state: 'in_meeting' });
    await store.record(b, { state: 'rejoining', reason: 'a reason with spaces' });
    await store.record(c, { state: 'ended', endReason: 'kicked' });
    await store.record(d, { state: 'ended', endReason: 'left_by_request' });

    const { text, data } = await fleetData(api);
    expectNoSecret(text);
    for (const state of BOT_STATES) expect(data.counts[state], state).toBe(await countByApi(api, state));
    expect(data.counts).toMatchObject({ in_meeting: 1, rejoining: 1, ended: 2, queued: 0 });

    expect(data.meetings).toEqual([
      {
        meetingNumber: '11122223333',
        bots: [
          expect.objectContaining({ id: a, displayName: 'Alpha', state: 'in_meeting', rejoins: 1 }),
          expect.objectContaining({ id: b, displayName: 'Bravo', state: 'rejoining' }),
        ],
      },
    ]);

    // Every change since the first read, the short-lived `rejoining` of Alpha included, in order.
    const { data: since } = await fleetData(api, `?since=${encodeURIComponent(cursor)}`);
    expect(since.changes.changes.map((change) => [change.displayName, change.state, change.reason])).toEqual([
      ['Alpha', 'rejoining', 'drop'],
      ['Alpha', 'minting', undefined],
      ['Alpha', 'joining', undefined],
      ['Alpha', 'in_meeting', undefined],
      ['Bravo', 'rejoining', 'other'],
      ['Charlie', 'ended', 'kicked'],
      ['Delta', 'ended', 'left_by_request'],
    ]);
    const { data: nothingNew } = await fleetData(api, `?since=${encodeURIComponent(since.changes.cursor)}`);
    expect(nothingNew.changes.changes).toEqual([]);

    const total = (series: Record<string, number[]>) =>
      Object.fromEntries(Object.entries(series).map(([k, v]) => [k, v.reduce((x, y) => x + y, 0)]));
    expect(total(data.history.rejoins)).toEqual({ drop: 1, other: 1 });
    expect(total(data.history.ends)).toEqual({ kicked: 1, left_by_request: 1 });
    expect(data.history.states.in_meeting?.at(-1)).toBe(1);
    expect(data.history.states.in_meeting).toHaveLength(60);
  });

  it('lists workers from their heartbeats, with their bots, free slots and pages; gone once closed', async () => {
    const api = await startApi(DASHBOARD);
    const id = await enqueue(api, { displayName: 'Held' });
    await api.layer.store.record(id, { state: 'minting' });
    const { logger } = captureLogger('info');
    const heartbeat = new WorkerHeartbeat({
      redis: api.layer.redis,
      prefix: api.layer.queue.opts.prefix ?? '',
      name: 'worker-a',
      logger,
      // The worker's port, as the bot worker part builds it from BotWorker and BrowserPool.
      state: async () => ({
        slots: 4,
        bots: [id],
        accepting: true,
        chromiumBytes: 300 * 1024 * 1024,
        browsers: 1,
        warmPages: 1,
      }),
    });
    heartbeat.start();
    await expect
      .poll(async () => (await fleetData(api)).data.workers.map((w) => w.name), { timeout: 5_000 })
      .toEqual(['worker-a']);
    const { data } = await fleetData(api);
    expect(data.workers[0]).toMatchObject({
      name: 'worker-a',
      silent: false,
      slots: 4,
      freeSlots: 3,
      accepting: true,
      chromiumBytes: 300 * 1024 * 1024,
      warmPages: 1,
      bots: [id],
    });
    expect(data.workers[0]?.beatAgeMs).toBeLessThan(5_000);
    expect(data.meetings[0]?.bots[0]).toMatchObject({ id, worker: 'worker-a' });
    await heartbeat.close();
    expect((await fleetData(api)).data.workers).toEqual([]);
  });

  it('titles bot jobs in bull-board by state, display name and meeting; the job name stays `join`', async () => {
    const api = await startApi(DASHBOARD);
    const id = await enqueue(api, {
      meetingNumber: '812 3456 7890',
      displayName: 'Notes',
      passcode: PASSCODE,
    });
    const before = await fetch(`${api.url}/admin/queues/api/queues/bots/${id}`, { headers: basic() });
    const queued = (await before.json()) as { job: { name: string } };
    // Not picked up yet: no progress, so no state; name and meeting all the same.
    expect(queued.job.name).toBe('Notes · 81234567890');
    for (const state of ['minting', 'joining', 'in_meeting'] as const)
      await api.layer.store.record(id, { state });
    const res = await fetch(`${api.url}/admin/queues/api/queues?activeQueue=bots&status=latest`, {
      headers: basic(),
    });
    const text = await res.text();
    expectNoSecret(text);
    const body = JSON.parse(text) as { queues: { name: string; jobs: { id: string; name: string }[] }[] };
    const job = body.queues.find((q) => q.name === 'bots')?.jobs.find((j) => j.id === id);
    expect(job?.name).toBe('in_meeting · Notes · 81234567890');
    expect((await api.layer.queue.getJob(id))?.name).toBe('join');
  });
});
