import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { registerDashboard } from '../../runner/dashboard/dashboard-routes.js';
import { addBotJob } from '../../runner/queue/bot-queue.js';
import { type JobData, parseJobData } from '../../runner/queue/job-data.js';
import { BOT_QUEUE_NAME } from '../../runner/queue/queue-names.js';
import { trustedPrincipal } from '../../runner/tenants/principal.js';
import { DEFAULT_TENANT } from '../../shared/tenant.js';
import { makeQueueLayer, request } from './queue-fixture.js';

const WEBHOOK_URL = 'https://hooks.example.com/zbr/7f3a?token=wh-SECRET-81aa';
const CALLBACK_URL = 'https://tokens.example.com/cb/SECRET-path-2c9d?sig=cb-SECRET-77';
const METADATA = { customer: 'acme-SECRET-customer-42', ticket: 'T-SECRET-9001' };
const caller = trustedPrincipal(DEFAULT_TENANT);

/** The BullMQ job hash of a bot, field by field, as anyone with Redis access reads it. */
async function rawJob(layer: ReturnType<typeof makeQueueLayer>, botId: string): Promise<string> {
  return JSON.stringify(await layer.redis.hgetall(`${layer.prefix}:${BOT_QUEUE_NAME}:${botId}`));
}

function expectNoneOf(text: string): void {
  expect(text).not.toContain('hooks.example.com/zbr');
  expect(text).not.toContain('wh-SECRET');
  expect(text).not.toContain('tokens.example.com/cb');
  expect(text).not.toContain('cb-SECRET');
  expect(text).not.toContain('SECRET-path');
  for (const value of Object.values(METADATA)) expect(text).not.toContain(value);
}

describe('job data: webhook URL, callback URL and metadata are sealed', () => {
  it('keeps all three out of the job in Redis, and the worker opens them', async () => {
    const layer = makeQueueLayer();
    const { bot } = await layer.service.enqueue(
      caller,
      request({ auth: { type: 'callback', url: CALLBACK_URL }, webhookUrl: WEBHOOK_URL, metadata: METADATA }),
    );
    const raw = await rawJob(layer, bot.id);
    expect(raw).toContain(bot.id);
    expectNoneOf(raw);

    const job = await layer.queue.getJob(bot.id);
    expect(job?.data.v).toBe(2);
    const parsed = parseJobData(job?.id, job?.data, layer.crypto);
    expect(parsed).toMatchObject({
      ok: true,
      request: {
        auth: { type: 'callback', url: CALLBACK_URL },
        webhookUrl: WEBHOOK_URL,
        metadata: METADATA,
        meetingNumber: '1234567890',
      },
    });
  });

  it('still runs a job of the old layout (v 1, the three in clear), queued before an upgrade', async () => {
    const layer = makeQueueLayer();
    const botId = 'old-layout-bot';
    const old = {
      v: 1,
      botId,
      request: {
        meetingNumber: '1234567890',
        displayName: 'Old Bot',
        auth: { type: 'callback', url: CALLBACK_URL },
        webhookUrl: WEBHOOK_URL,
        metadata: METADATA,
      },
      sealed: { passcode: layer.crypto.seal(botId, 'passcode', 'old-pass') },
      createdAt: new Date().toISOString(),
    };
    await addBotJob(layer.queue, old as JobData);
    const job = await layer.queue.getJob(botId);
    expect(parseJobData(job?.id, job?.data, layer.crypto)).toMatchObject({
      ok: true,
      request: {
        auth: { type: 'callback', url: CALLBACK_URL },
        webhookUrl: WEBHOOK_URL,
        metadata: METADATA,
        passcode: 'old-pass',
      },
    });
  });

  it('binds each sealed value to its field: one moved into another field does not open', async () => {
    const layer = makeQueueLayer();
    const { bot } = await layer.service.enqueue(
      caller,
      request({ auth: { type: 'callback', url: CALLBACK_URL }, webhookUrl: WEBHOOK_URL }),
    );
    const data = (await layer.queue.getJob(bot.id))?.data as JobData;
    const swapped = { ...data, sealed: { ...data.sealed, authUrl: data.sealed.webhookUrl } };
    expect(parseJobData(bot.id, swapped, layer.crypto)).toMatchObject({
      ok: false,
      reason: 'invalid_request',
      detail: expect.stringMatching(/sealed\.authUrl/),
    });
    // A callback whose sealed URL went missing is refused, not run without a URL.
    const { authUrl: _gone, ...withoutUrl } = data.sealed;
    expect(parseJobData(bot.id, { ...data, sealed: withoutUrl }, layer.crypto)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/request\.auth\.url/),
    });
  });

  it('the dashboard shows neither layout’s URLs beyond their origin, nor the metadata', async () => {
    const layer = makeQueueLayer();
    const app = new Hono();
    registerDashboard(app, {
      queues: [layer.queue],
      config: { DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'dash-pw-0123456789', DASHBOARD_READONLY: true },
    });
    const { bot } = await layer.service.enqueue(
      caller,
      request({ auth: { type: 'callback', url: CALLBACK_URL }, webhookUrl: WEBHOOK_URL, metadata: METADATA }),
    );
    const oldId = 'old-layout-shown';
    await addBotJob(layer.queue, {
      v: 1,
      botId: oldId,
      request: {
        meetingNumber: '1234567890',
        displayName: 'Old Bot',
        auth: { type: 'callback', url: CALLBACK_URL },
        webhookUrl: WEBHOOK_URL,
        metadata: METADATA,
      },
      sealed: {},
      createdAt: new Date().toISOString(),
    } as JobData);
    const auth = { Authorization: `Basic ${Buffer.from('ops:dash-pw-0123456789').toString('base64')}` };
    for (const id of [bot.id, oldId]) {
      const response = await app.request(`/admin/queues/api/queues/${BOT_QUEUE_NAME}/${id}`, {
        headers: auth,
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain(id);
      expectNoneOf(text);
      if (id === oldId) {
        expect(text).toContain('https://hooks.example.com');
        expect(text).toContain('https://tokens.example.com');
      }
    }
  });
});
