import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../runner/api/api-app.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { redisReadiness } from '../../runner/http/health-routes.js';
import { type RunningHttpServer, startHttpServer } from '../../runner/http/http-server.js';
import { OutboundUrlPolicy } from '../../runner/http/outbound-url-policy.js';
import { buildJobData } from '../../runner/queue/job-data.js';
import { createQueueLayer, type QueueLayer } from '../../runner/queue/queue-layer.js';
import { BOT_JOB_NAME } from '../../runner/queue/queue-names.js';
import type { BotView } from '../../shared/bot-view.js';
import { errorBodySchema } from '../../shared/error-body.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Malformed and hostile requests, over the real HTTP API and straight into the queue, while a fleet
 * runs: each is refused with an error naming its field (or, in the queue, its job fails
 * `invalid_request`), nothing crashes, and a bot already in its meeting never notices.
 */
const API_KEY = 'chaos-key-0123456789abcdef';
const checks = useChaosChecks();
const rig = useWorkerRig();
let redis: Redis;
let apiLayer: QueueLayer;
let api: RunningHttpServer;

beforeAll(async () => {
  // The API process as `zoom-bot-runner api` builds it, on the worker's prefix.
  redis = connectTestRedis();
  const config = loadConfig({ QUEUE_PREFIX: rig.config.QUEUE_PREFIX, API_KEYS: API_KEY });
  apiLayer = createQueueLayer({
    redis,
    prefix: config.QUEUE_PREFIX,
    urlPolicy: new OutboundUrlPolicy({ allowlist: config.OUTBOUND_URL_ALLOWLIST }),
  });
  const app = createApiApp({
    layer: apiLayer,
    config,
    logger: captureLogger().logger,
    pages: false,
    readiness: redisReadiness(redis),
  });
  api = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await api?.close();
  await apiLayer?.close();
  redis?.disconnect();
});

/** `POST /v1/bots` with a raw body (a string or bytes exactly as given). */
function post(body: string | Buffer): Promise<Response> {
  return fetch(`${api.url}/v1/bots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

async function getBot(id: string): Promise<BotView> {
  const response = await fetch(`${api.url}/v1/bots/${id}`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as BotView;
}

async function participantIds(meetingNumber: string, botId: string): Promise<number[]> {
  return (await rig.sim.meeting(meetingNumber)).participants
    .filter((p) => p.customerKey === botId && p.state === 'in_meeting')
    .map((p) => p.id);
}

/** A bot that joins over the API and is in its meeting; the checks at the end say it never left. */
async function steadyBot(): Promise<{ bot: BotView; meetingNumber: string; participants: number[] }> {
  const meeting = await checks.createMeeting(rig.sim);
  const response = await post(
    JSON.stringify({ meetingNumber: meeting.number, displayName: 'Steady', auth: { type: 'zak' } }),
  );
  expect(response.status).toBe(201);
  const bot = (await response.json()) as BotView;
  await expect.poll(async () => (await getBot(bot.id)).state, { timeout: 30_000 }).toBe('in_meeting');
  return { bot, meetingNumber: meeting.number, participants: await participantIds(meeting.number, bot.id) };
}

async function expectUndisturbed(steady: Awaited<ReturnType<typeof steadyBot>>): Promise<void> {
  expect(await participantIds(steady.meetingNumber, steady.bot.id)).toEqual(steady.participants);
  expect(await getBot(steady.bot.id)).toMatchObject({ state: 'in_meeting', rejoins: 0, attempts: 1 });
  expect((await fetch(`${rig.runtime.http.url}/readyz`)).status).toBe(200);
}

async function leave(id: string): Promise<void> {
  await fetch(`${api.url}/v1/bots/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  await expect.poll(async () => (await getBot(id)).state, { timeout: 20_000 }).toBe('ended');
}

const valid = { meetingNumber: '812 3456 7890', displayName: 'Notes', auth: { type: 'none' } };
const json = (overrides: Record<string, unknown>) => JSON.stringify({ ...valid, ...overrides });

describe('hostile input through the API', () => {
  it('refuses each malformed request naming its field, queues nothing, and a bot in a meeting stays', async () => {
    const steady = await steadyBot();
    const jobsBefore = await rig.runtime.layer.queue.count();
    const cases: [string, string | Buffer, number, string | undefined][] = [
      ['wrong type', json({ meetingNumber: 81234567890 }), 422, 'meetingNumber'],
      ['wrong type', json({ displayName: ['Notes'] }), 422, 'displayName'],
      ['wrong type', json({ auth: 'zak' }), 422, 'auth'],
      ['unknown field', json({ isAdmin: true }), 422, 'isAdmin'],
      ['unknown nested field', json({ auth: { type: 'zak', zak: 'stolen' } }), 422, 'auth.zak'],
      ['prototype key', `{"__proto__":{"admin":true},${json({}).slice(1)}`, 422, '__proto__'],
      ['negative timeout', json({ leave: { maxDurationSec: -5 } }), 422, 'leave.maxDurationSec'],
      ['huge timeout', json({ leave: { hostNotStartedSec: 1e12 } }), 422, 'leave.hostNotStartedSec'],
      ['infinite timeout', json({ leave: {} }).replace('{}', '{"aloneSec":1e309}'), 422, 'leave.aloneSec'],
      ['negative backoff', json({ rejoin: { backoffMs: -1 } }), 422, 'rejoin.backoffMs'],
      ['huge name', json({ displayName: 'N'.repeat(10_000) }), 422, 'displayName'],
      ['lone surrogate', json({ displayName: 'Bad \ud800 Name' }), 422, 'displayName'],
      ['control character', json({ displayName: 'Bad\u0007Name' }), 422, 'displayName'],
      [
        'invalid UTF-8',
        Buffer.concat([
          Buffer.from(json({ displayName: 'Bad#' }).split('#')[0] as string),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from(json({ displayName: '# Name' }).split('#')[1] as string),
        ]),
        422,
        'displayName',
      ],
      ['webhook to loopback', json({ webhookUrl: 'http://127.0.0.1:8080/hook' }), 422, 'webhookUrl'],
      ['webhook to a private network', json({ webhookUrl: 'https://10.0.0.5/hook' }), 422, 'webhookUrl'],
      [
        'webhook to cloud metadata',
        json({ webhookUrl: 'https://169.254.169.254/latest/meta-data/' }),
        422,
        'webhookUrl',
      ],
      ['webhook to IPv6 loopback', json({ webhookUrl: 'https://[::1]/hook' }), 422, 'webhookUrl'],
      [
        'token callback to cloud metadata',
        json({ auth: { type: 'callback', url: 'https://169.254.169.254/token' } }),
        422,
        'auth.url',
      ],
      ['body over 64 KiB', json({ displayName: 'N'.repeat(70_000) }), 413, undefined],
      ['not JSON', '{"meetingNumber":', 400, undefined],
    ];
    for (const [what, body, status, field] of cases) {
      const response = await post(body);
      expect(response.status, what).toBe(status);
      const { error } = errorBodySchema.parse(await response.json());
      if (field !== undefined) expect(error, what).toMatchObject({ code: 'validation_failed', field });
    }
    expect(await rig.runtime.layer.queue.count()).toBe(jobsBefore);
    await expectUndisturbed(steady);
    await leave(steady.bot.id);
  });

  it('a joinAt thousands of years ahead is refused; one 29 days ahead is scheduled and stays so (no timer overflow starts it now)', async () => {
    const meeting = await checks.createMeeting(rig.sim);
    const far = await post(json({ meetingNumber: meeting.number, joinAt: '9999-12-31T23:59:59Z' }));
    expect(far.status).toBe(422);
    expect(errorBodySchema.parse(await far.json()).error).toMatchObject({ field: 'joinAt' });
    // Within MAX_JOIN_AHEAD_SEC (30 days), and past what one Node timer can hold (2^31 ms, 24.8 days).
    const joinAt = new Date(Date.now() + 29 * 24 * 3600 * 1000).toISOString();
    const response = await post(json({ meetingNumber: meeting.number, joinAt }));
    expect(response.status).toBe(201);
    const bot = (await response.json()) as BotView;
    // Deliberately lets time pass: an overflowed timer would have started the bot by then.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await getBot(bot.id)).toMatchObject({ state: 'scheduled', attempts: 0 });
    expect(await rig.runtime.layer.queue.getJobState(bot.id)).toBe('delayed');
    expect((await rig.sim.meeting(meeting.number)).participants).toEqual([]);
    await leave(bot.id);
  });

  it('script in a display name reaches Zoom as plain text and runs in no bot page', async () => {
    const meeting = await checks.createMeeting(rig.sim);
    const name = '<script>window.pwned=1</script><img src=x onerror=pwned=2>';
    const bots: BotView[] = [];
    for (const displayName of [name, 'Onlooker']) {
      const response = await post(json({ meetingNumber: meeting.number, displayName }));
      expect(response.status).toBe(201);
      bots.push((await response.json()) as BotView);
    }
    for (const bot of bots) {
      await expect.poll(async () => (await getBot(bot.id)).state, { timeout: 30_000 }).toBe('in_meeting');
    }
    const [scripted, onlooker] = bots as [BotView, BotView];
    expect(scripted.displayName).toBe(name);
    const participant = (await rig.sim.meeting(meeting.number)).participants.find(
      (p) => p.customerKey === scripted.id,
    );
    expect(participant?.userName).toBe(name);
    // Both pages hold the name (one as itself, one in its participant list): neither ran it.
    for (const bot of [scripted, onlooker]) {
      const page = rig.runtime.pool.pageOf(bot.id)?.puppeteerPage;
      expect(page).toBeDefined();
      const seen = await page?.evaluate(() => ({
        pwned: (window as { pwned?: unknown }).pwned ?? null,
        injected: document.querySelectorAll('img[src="x"], script:not([src])').length,
      }));
      expect(seen, `page of ${bot.displayName}`).toEqual({ pwned: null, injected: 0 });
    }
    for (const bot of bots) await leave(bot.id);
  });
});

describe('bad data straight into the queue', () => {
  it('the worker fails each malformed job invalid_request and carries on; a bot in a meeting stays', async () => {
    const steady = await steadyBot();
    const queue = rig.runtime.layer.queue;
    const crypto = await rig.runtime.layer.crypto();
    const meetingNumber = '81234567890';
    const request = { meetingNumber, displayName: 'Queued By Hand', auth: { type: 'none' as const } };
    const good = (botId: string) => buildJobData(botId, request, crypto, new Date().toISOString());
    const jobs: [string, unknown][] = [
      ['bad-not-an-object', 'join 81234567890 please'],
      [
        'bad-types',
        { v: 1, botId: 'bad-types', request: { meetingNumber: 123, displayName: {} }, sealed: {} },
      ],
      ['bad-other-id', good('someone-else')],
      ['bad-sealed', { ...good('bad-sealed'), sealed: { passcode: 'v1.AAAA.BBBB.CCCC' } }],
      [
        'bad-huge-name',
        { ...good('bad-huge-name'), request: { ...request, displayName: 'N'.repeat(100_000) } },
      ],
      ['bad-version', { ...good('bad-version'), v: 99 }],
    ];
    const before = await rig.sim.stats();
    for (const [jobId, data] of jobs) {
      // Typed for well-formed data; these jobs are exactly what a careless producer could add.
      await queue.add(BOT_JOB_NAME, data as never, { jobId });
    }
    for (const [jobId] of jobs) {
      await expect.poll(() => queue.getJobState(jobId), { timeout: 20_000 }).toBe('failed');
      expect((await queue.getJob(jobId))?.failedReason, jobId).toMatch(/^invalid_request: job data /);
    }
    // None of them got as far as Zoom: no join was tried for them.
    const after = await rig.sim.stats();
    expect(after.joinsAccepted).toBe(before.joinsAccepted);
    expect(after.joinsRefused).toEqual(before.joinsRefused);
    await expectUndisturbed(steady);
    await leave(steady.bot.id);
  });
});
