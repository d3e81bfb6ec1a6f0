import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../runner/api/api-app.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { redisReadiness } from '../../runner/http/health-routes.js';
import { type RunningHttpServer, startHttpServer } from '../../runner/http/http-server.js';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import { BOT_STATES } from '../../shared/bot-states.js';
import { startTestChromium } from '../../testkit/chromium.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Issue 17, end to end: an operator logs in, reads bull-board's job titles (state, name, meeting),
 * opens the fleet page, sees the counts GET /v1/bots gives, watches a bot dropped by the sim go
 * `rejoining` and back to `in_meeting` without reloading, and finds no secret on either page.
 * Screenshots of both pages are kept in test-artifacts/ (gitignored).
 */
const USER = 'ops';
const PASSWORD = 'fleet-pw-0123456789';
const API_KEY = 'fleet-e2e-key-0123456789abcdef';
const PASSCODE = 'pc-FLEET-E2E-SECRET-314';
const HOOK_SECRET_PATH = 'hook-FLEET-E2E-SECRET-271';
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'dashboard');

const rig = useWorkerRig();
let api: RunningHttpServer;
let browser: Browser;
let meetingNumber = '';
const bots: Record<string, string> = {};

async function apiCall(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${api.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json', ...init.headers },
  });
}

async function countByApi(state: string): Promise<number> {
  let total = 0;
  let cursor: string | undefined;
  do {
    const res = await apiCall(`/v1/bots?state=${state}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    const page = (await res.json()) as { items: unknown[]; nextCursor?: string };
    total += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return total;
}

async function botState(id: string): Promise<string> {
  return ((await (await apiCall(`/v1/bots/${id}`)).json()) as { state: string }).state;
}

async function expectNoSecret(page: Page): Promise<void> {
  const html = await page.content();
  for (const secret of [PASSCODE, HOOK_SECRET_PATH, API_KEY, PASSWORD]) expect(html).not.toContain(secret);
}

describe('the operator pages with bots in a meeting', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const config = loadConfig({
      ...rig.env(),
      API_KEYS: API_KEY,
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD: PASSWORD,
    });
    const { logger } = captureLogger('info');
    const layer = rig.runtime.layer;
    api = await startHttpServer(
      createApiApp({
        layer,
        config,
        logger,
        metrics: new RunnerMetrics(),
        pages: false,
        readiness: redisReadiness(layer.redis),
      }),
      { port: 0, host: '127.0.0.1' },
    );
    const meeting = await rig.sim.createMeeting({ passcode: PASSCODE });
    meetingNumber = meeting.number;
    for (const name of ['Fleet Alpha', 'Fleet Bravo']) {
      const res = await apiCall('/v1/bots', {
        method: 'POST',
        body: JSON.stringify({
          meetingNumber,
          displayName: name,
          auth: { type: 'none' },
          passcode: PASSCODE,
          webhookUrl: `https://hooks.example.com/${HOOK_SECRET_PATH}`,
        }),
      });
      expect(res.status).toBe(201);
      bots[name] = ((await res.json()) as { id: string }).id;
    }
    // expect.poll belongs to tests; a hook waits by hand.
    for (const id of Object.values(bots)) {
      const deadline = Date.now() + 30_000;
      while ((await botState(id)) !== 'in_meeting') {
        if (Date.now() > deadline) throw new Error(`bot ${id} not in_meeting within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    browser = await startTestChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('bull-board titles each bot job by its state, name and meeting', async () => {
    const page = await browser.newPage();
    await page.authenticate({ username: USER, password: PASSWORD });
    await page.setViewport({ width: 1400, height: 900 });
    await page.goto(`${api.url}/admin/queues/queue/bots?status=active`, { waitUntil: 'networkidle0' });
    for (const name of ['Fleet Alpha', 'Fleet Bravo']) {
      const title = `in_meeting · ${name} · ${meetingNumber}`;
      await page.waitForFunction(
        (t: string) => document.body.textContent.includes(t),
        { timeout: 15_000 },
        title,
      );
    }
    await expectNoSecret(page);
    await page.screenshot({ path: join(ARTIFACTS, 'bull-board.png'), fullPage: true });
    await page.close();
  });

  it('the fleet page shows the counts of GET /v1/bots and a drop and rejoin live, with no secret', async () => {
    const page = await browser.newPage();
    await page.authenticate({ username: USER, password: PASSWORD });
    await page.setViewport({ width: 1400, height: 1000 });
    await page.goto(`${api.url}/admin/fleet`, { waitUntil: 'networkidle0' });
    const alpha = bots['Fleet Alpha'] as string;
    await page.waitForSelector(`#meetings tr[data-bot-id="${alpha}"][data-state="in_meeting"]`, {
      timeout: 10_000,
    });

    // Counts as GET /v1/bots gives them (the page polls every 2 s: wait for one poll to agree).
    await expect
      .poll(
        async () => {
          const shown = await page.evaluate(
            (states: string[]) =>
              Object.fromEntries(
                states.map((s) => [s, document.getElementById(`count-${s}`)?.textContent ?? '']),
              ),
            [...BOT_STATES],
          );
          const byApi = Object.fromEntries(
            await Promise.all(BOT_STATES.map(async (s) => [s, String(await countByApi(s))] as const)),
          );
          return JSON.stringify(shown) === JSON.stringify(byApi);
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(true);
    expect(await page.$eval('#count-in_meeting', (el) => el.textContent)).toBe('2');

    // Every bot links to its job in bull-board and to GET /v1/bots/:id.
    const links = await page.$$eval(`#meetings tr[data-bot-id="${alpha}"] a`, (as) =>
      as.map((a) => a.getAttribute('href')),
    );
    expect(links).toEqual([`/admin/queues/queue/bots/${alpha}`, `/v1/bots/${alpha}`]);
    // The workers panel lists the rig's worker holding both bots.
    await page.waitForFunction(
      (ids: string[]) => ids.every((id) => document.querySelector(`#workers a[data-bot-id="${id}"]`)),
      { timeout: 10_000 },
      Object.values(bots),
    );

    // Drop Alpha in the sim; the page, never reloaded, shows it rejoining and then in its meeting again.
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const participant = await rig.sim.botParticipant(meetingNumber, alpha);
    await rig.sim.participantControl(meetingNumber, participant.id, 'drop');
    await page.waitForSelector(`#changes tr[data-bot-id="${alpha}"][data-state="rejoining"]`, {
      timeout: 20_000,
    });
    await page.waitForFunction(
      (id: string) => {
        const rows = [...document.querySelectorAll(`#changes tr[data-bot-id="${id}"]`)];
        const states = rows.map((row) => row.getAttribute('data-state'));
        // Newest first: in_meeting again after (above) the rejoining.
        const back = states.indexOf('in_meeting');
        return back >= 0 && back < states.indexOf('rejoining');
      },
      { timeout: 30_000 },
      alpha,
    );
    await page.waitForSelector(`#meetings tr[data-bot-id="${alpha}"][data-state="in_meeting"]`, {
      timeout: 10_000,
    });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(await page.$eval('#rejoins', (el) => el.textContent)).toContain('drop');

    await expectNoSecret(page);
    const data = await page.evaluate(async () => (await fetch('/admin/fleet/data')).text());
    for (const secret of [PASSCODE, HOOK_SECRET_PATH]) expect(data).not.toContain(secret);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet.png'), fullPage: true });
    await page.close();
  });

  it('refuses both pages without credentials', async () => {
    for (const path of ['/admin/queues', '/admin/fleet', '/admin/fleet/data']) {
      expect((await fetch(`${api.url}${path}`)).status, path).toBe(401);
    }
  });
});
