import { describe, expect, it, onTestFinished } from 'vitest';
import {
  type BotClient,
  BotRequestError,
  createBotClient,
  SameUserInMeetingError,
} from '../../runner/client/producer-client.js';
import { createBotQueue } from '../../runner/queue/bot-queue.js';
import { JobKeyMismatchError, resolveJobCrypto } from '../../runner/queue/job-crypto.js';
import { parseJobData } from '../../runner/queue/job-data.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../testkit/redis.js';
import { dumpPrefix, TEST_JOB_KEY } from './queue-fixture.js';

function clientOn(prefix: string, jobEncryptionKey?: string): BotClient {
  const client = createBotClient({
    redisUrl: TEST_REDIS_URL,
    queuePrefix: prefix,
    ...(jobEncryptionKey ? { jobEncryptionKey } : {}),
  });
  onTestFinished(() => client.close());
  return client;
}

function cleanPrefix(): { prefix: string; redis: ReturnType<typeof connectTestRedis> } {
  const prefix = uniquePrefix();
  const redis = connectTestRedis();
  onTestFinished(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return { prefix, redis };
}

describe('producer client (zoom-bot-runner/client)', () => {
  it('acts as its tenant: its bots are that tenant’s, and another tenant’s bots are not found', async () => {
    const { prefix } = cleanPrefix();
    const as = (tenant?: string) => {
      const client = createBotClient({
        redisUrl: TEST_REDIS_URL,
        queuePrefix: prefix,
        ...(tenant ? { tenant } : {}),
      });
      onTestFinished(() => client.close());
      return client;
    };
    const acme = as('acme');
    const byDefault = as();
    const request = {
      meetingNumber: '123456789',
      displayName: 'A',
      auth: { type: 'none' },
      dedupeKey: 'k',
    } as const;
    const { bot } = await acme.enqueue(request);
    expect(bot.tenant).toBe('acme');
    // A trusted client: no allowlist, so any named Zoom user is accepted.
    await acme.enqueue({ ...request, dedupeKey: 'k2', auth: { type: 'obf', user: 'anyone@example.com' } });
    await expect(byDefault.get(bot.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(byDefault.leave(bot.id)).rejects.toMatchObject({ status: 404 });
    expect((await byDefault.list()).items).toEqual([]);
    expect((await byDefault.enqueue(request)).bot).toMatchObject({ tenant: 'default', state: 'queued' });
    expect((await acme.list()).items.map((b) => b.tenant)).toEqual(['acme', 'acme']);
    expect((await acme.get(bot.id)).state).toBe('queued');
    expect(() => as('Not A Tenant')).toThrow(BotRequestError);
  });

  it('enqueues, reads, lists and leaves with the answers of the HTTP API', async () => {
    const { prefix, redis } = cleanPrefix();
    const client = clientOn(prefix, TEST_JOB_KEY);

    await expect(
      client.enqueue({ meetingNumber: '1', displayName: 'A', auth: { type: 'none' } }),
    ).rejects.toMatchObject({
      status: 422,
      field: 'meetingNumber',
    });
    // Inputs from untyped callers are validated, not trusted.
    const untyped = { meetingNumber: '123456789', displayName: 'A', auth: { type: 'zak' }, extra: true };
    await expect(client.enqueue(untyped as Parameters<BotClient['enqueue']>[0])).rejects.toBeInstanceOf(
      BotRequestError,
    );

    const first = await client.enqueue({
      meetingNumber: '123-456-789',
      displayName: '  Ассистент 会议  ',
      passcode: 'hunter2-secret',
      auth: { type: 'zak' },
      dedupeKey: 'weekly',
    });
    expect(first).toMatchObject({
      created: true,
      status: 201,
      bot: { state: 'queued', displayName: 'Ассистент 会议' },
    });
    expect(
      await client.enqueue({
        meetingNumber: '123456789',
        displayName: 'B',
        auth: { type: 'zak' },
        dedupeKey: 'weekly',
      }),
    ).toMatchObject({ created: false, status: 200, bot: { id: first.bot.id } });
    await expect(
      client.enqueue({ meetingNumber: '123456789', displayName: 'C', auth: { type: 'zak' } }),
    ).rejects.toBeInstanceOf(SameUserInMeetingError);
    const pool = await client.enqueue({
      meetingNumber: '123456789',
      displayName: 'D',
      auth: { type: 'zak', user: 'pool' },
    });

    expect(await client.get(first.bot.id)).toEqual(first.bot);
    expect(await client.events(first.bot.id)).toEqual([expect.objectContaining({ state: 'queued' })]);
    const page = await client.list({ state: 'queued', limit: 10 });
    expect(page.items.map((b) => b.id).sort()).toEqual([first.bot.id, pool.bot.id].sort());

    expect(await client.leave(first.bot.id)).toMatchObject({ state: 'ended', endReason: 'left_by_request' });
    await expect(client.get('nope')).rejects.toMatchObject({ status: 404 });
    expect(await dumpPrefix(redis, prefix)).not.toContain('hunter2-secret');

    // The worker, with the same key, opens the passcode.
    const queue = createBotQueue({ connection: redis, prefix });
    try {
      const job = await queue.getJob(pool.bot.id);
      const crypto = await resolveJobCrypto({ redis, prefix, jobEncryptionKey: TEST_JOB_KEY });
      expect(parseJobData(job?.id, job?.data, crypto).ok).toBe(true);
    } finally {
      await queue.close();
    }
  });

  it('without a key, seals with the deployment secret kept in Redis, which the worker also finds', async () => {
    const { prefix, redis } = cleanPrefix();
    const client = clientOn(prefix);
    const { bot } = await client.enqueue({
      meetingNumber: '123456789',
      displayName: 'Sim bot',
      passcode: 'sim-passcode-77',
      auth: { type: 'none' },
    });
    const queue = createBotQueue({ connection: redis, prefix });
    try {
      const job = await queue.getJob(bot.id);
      const crypto = await resolveJobCrypto({ redis, prefix });
      expect(parseJobData(job?.id, job?.data, crypto)).toMatchObject({
        ok: true,
        request: { passcode: 'sim-passcode-77' },
      });
    } finally {
      await queue.close();
    }
  });

  it('refuses to enqueue without the key a deployment uses', async () => {
    const { prefix, redis } = cleanPrefix();
    await resolveJobCrypto({ redis, prefix, jobEncryptionKey: TEST_JOB_KEY });
    const client = clientOn(prefix);
    await expect(
      client.enqueue({ meetingNumber: '123456789', displayName: 'A', auth: { type: 'none' } }),
    ).rejects.toBeInstanceOf(JobKeyMismatchError);
  });

  it('records its events with the runner’s WEBHOOK_URL as their global destination', async () => {
    const { prefix, redis } = cleanPrefix();
    const client = createBotClient({
      redisUrl: TEST_REDIS_URL,
      queuePrefix: prefix,
      jobEncryptionKey: TEST_JOB_KEY,
      webhookUrl: 'https://hooks.example.com/all',
    });
    onTestFinished(() => client.close());
    const plain = clientOn(prefix, TEST_JOB_KEY);
    const request = { meetingNumber: '123456789', displayName: 'A', auth: { type: 'none' } } as const;
    await client.enqueue(request);
    await plain.enqueue(request);
    const entries = await redis.xrange(`${prefix}:bot-events-stream`, '-', '+');
    const globals = entries.map(([, fields]) => fields[fields.indexOf('global') + 1]);
    expect(globals).toEqual(['https://hooks.example.com/all', '']);
  });

  it('closes idempotently, even unused', async () => {
    const client = createBotClient({ redisUrl: TEST_REDIS_URL, queuePrefix: uniquePrefix() });
    await Promise.all([client.close(), client.close()]);
  });
});
