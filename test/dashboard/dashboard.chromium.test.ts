import { randomUUID } from 'node:crypto';
import { type Job, Worker } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDashboard } from '../../runner/dashboard/dashboard-routes.js';
import { type RunningHttpServer, startHttpServer } from '../../runner/http/http-server.js';
import { createQueueLayer, type QueueLayer } from '../../runner/queue/queue-layer.js';
import { BOT_QUEUE_NAME } from '../../runner/queue/queue-names.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { startTestChromium } from '../../testkit/chromium.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../testkit/redis.js';

const USER = 'ops';
const PASSWORD = 'dash-pw-0123456789';
const SECRETS = { passcode: 'pc-SECRET-314159', registrantToken: 'rt-SECRET-271828' };
const ZAK = 'zak-SECRET-161803';
const WORKER_NAME = `dash-worker-${randomUUID().slice(0, 6)}`;
const BASE = '/admin/queues';

const config = { DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_READONLY: true };

function basic(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

function expectNoSecret(text: string): void {
  for (const secret of [...Object.values(SECRETS), ZAK]) expect(text).not.toContain(secret);
}

describe('dashboard (bull-board at /admin/queues)', () => {
  const prefix = uniquePrefix();
  const redis = connectTestRedis();
  const workerConnection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  let layer: QueueLayer;
  let worker: Worker;
  let server: RunningHttpServer;
  let browser: Browser | undefined;
  let botId = '';
  let releaseJob: () => void = () => {};

  beforeAll(async () => {
    layer = createQueueLayer({ redis, prefix, jobEncryptionKey: 'dashboard-test-key-0123456789abcdef' });
    const app = new Hono();
    registerDashboard(app, { queues: [layer.queue], config });
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
    const held = new Promise<void>((resolve) => {
      releaseJob = resolve;
    });
    let taken: (job: Job) => void = () => {};
    const takenJob = new Promise<Job>((resolve) => {
      taken = resolve;
    });
    // A named worker holds the job active, as a bot in its meeting does.
    worker = new Worker(
      BOT_QUEUE_NAME,
      async (job) => {
        taken(job);
        await held;
      },
      { connection: workerConnection, prefix, name: WORKER_NAME },
    );
    const { bot } = await layer.service.enqueue(OPERATOR, {
      meetingNumber: '123 456 7890',
      displayName: 'Dashboard Bot',
      auth: { type: 'none' },
      ...SECRETS,
    });
    botId = bot.id;
    const job = await takenJob;
    for (const state of ['minting', 'joining', 'in_meeting'] as const)
      await layer.store.record(botId, { state });
    // A stray secret in the progress must be redacted too, not only the job data.
    await job.updateProgress({ ...(await layer.store.get(botId)), zak: ZAK });
  });

  afterAll(async () => {
    releaseJob();
    await browser?.close();
    await worker?.close();
    await server?.close();
    await layer?.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
    workerConnection.disconnect();
  });

  it('Chromium with credentials sees the running bot job and its state, and no secret', async () => {
    browser = await startTestChromium();
    const page = await browser.newPage();
    await page.authenticate({ username: USER, password: PASSWORD });
    await page.goto(`${server.url}${BASE}/queue/${BOT_QUEUE_NAME}?status=active`, {
      waitUntil: 'networkidle0',
    });
    await page.waitForFunction((id: string) => document.body.textContent.includes(id), {}, botId);
    expectNoSecret(await page.content());

    await page.goto(`${server.url}${BASE}/queue/${BOT_QUEUE_NAME}/${botId}`, { waitUntil: 'networkidle0' });
    // Progress (the bot view) is the default tab: its state and events are on the page.
    await page.waitForFunction(() => document.body.textContent.includes('in_meeting'));
    const text = await page.evaluate(() => document.body.textContent);
    expect(text).toContain('minting');
    expect(text).toContain('[redacted]');
    expectNoSecret(text);
    expectNoSecret(await page.content());

    // The data tab shows the request with its sealed secrets redacted.
    await page.evaluate(() => {
      const tab = [...document.querySelectorAll('button, [role="tab"], a')].find(
        (el) => el.textContent?.trim() === 'Data',
      );
      (tab as HTMLElement | undefined)?.click();
    });
    await page.waitForFunction(() => document.body.textContent.includes('Dashboard Bot'));
    expectNoSecret(await page.content());
    await page.close();
  });

  it('serves job data and progress redacted, and lists the named worker', async () => {
    const headers = basic(USER, PASSWORD);
    const res = await fetch(`${server.url}${BASE}/api/queues/${BOT_QUEUE_NAME}/${botId}`, { headers });
    expect(res.status).toBe(200);
    const raw = await res.text();
    expectNoSecret(raw);
    const { job } = JSON.parse(raw) as {
      job: { data: { sealed: unknown }; progress: Record<string, unknown> };
    };
    expect(job.data.sealed).toBe('[redacted]');
    expect(job.progress).toMatchObject({ id: botId, state: 'in_meeting', zak: '[redacted]' });

    const queues = await fetch(
      `${server.url}${BASE}/api/queues?activeQueue=${BOT_QUEUE_NAME}&status=active`,
      {
        headers,
      },
    );
    expectNoSecret(await queues.text());

    const workers = await fetch(`${server.url}${BASE}/api/queues/${BOT_QUEUE_NAME}/workers`, { headers });
    expect(await workers.text()).toContain(WORKER_NAME);
  });

  it('refuses requests without (or with wrong) credentials: 401 with a Basic challenge', async () => {
    for (const path of ['', '/', `/queue/${BOT_QUEUE_NAME}`, '/api/queues', '/static/images/logo.svg']) {
      const res = await fetch(`${server.url}${BASE}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    const wrong = await fetch(`${server.url}${BASE}/api/queues`, { headers: basic(USER, `${PASSWORD}x`) });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${server.url}${BASE}/api/queues`, { headers: basic(USER, PASSWORD) });
    expect(ok.status).toBe(200);
  });

  it('is read-only by default: retry, remove and promote are refused', async () => {
    const headers = basic(USER, PASSWORD);
    for (const action of ['retry', 'clean', 'promote']) {
      const res = await fetch(`${server.url}${BASE}/api/queues/${BOT_QUEUE_NAME}/${botId}/${action}`, {
        method: 'PUT',
        headers,
      });
      expect(res.status, action).toBe(405);
    }
    const queues = (await (await fetch(`${server.url}${BASE}/api/queues`, { headers })).json()) as {
      queues: { name: string; readOnlyMode: boolean }[];
    };
    expect(queues.queues.find((q) => q.name === BOT_QUEUE_NAME)?.readOnlyMode).toBe(true);
    expect((await layer.queue.getJob(botId))?.id).toBe(botId);
  });

  it('DASHBOARD_READONLY=false makes it writable', async () => {
    const app = new Hono();
    registerDashboard(app, { queues: [layer.queue], config: { ...config, DASHBOARD_READONLY: false } });
    const res = await app.request(`${BASE}/api/queues`, { headers: basic(USER, PASSWORD) });
    const body = (await res.json()) as { queues: { readOnlyMode: boolean }[] };
    expect(body.queues[0]?.readOnlyMode).toBe(false);
  });

  it('is off (404 everywhere) when DASHBOARD_USER or DASHBOARD_PASSWORD is unset', async () => {
    for (const off of [
      { DASHBOARD_READONLY: true },
      { DASHBOARD_USER: USER, DASHBOARD_READONLY: true },
      { DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_READONLY: true },
    ]) {
      const app = new Hono();
      expect(registerDashboard(app, { queues: [layer.queue], config: off })).toBe('off');
      for (const path of ['', '/', '/api/queues', '/static/images/logo.svg']) {
        const res = await app.request(`${BASE}${path}`, { headers: basic(USER, PASSWORD) });
        expect(res.status, path).toBe(404);
      }
    }
  });
});
