import { onTestFinished } from 'vitest';
import { type BotQueue, createBotQueue } from '../../runner/queue/bot-queue.js';
import { BotService } from '../../runner/queue/bot-service.js';
import { BotStore, type BotStoreOptions } from '../../runner/queue/bot-store.js';
import { type JobCrypto, jobCryptoFromKey } from '../../runner/queue/job-crypto.js';
import { LeaveChannel } from '../../runner/queue/leave-channel.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';

export const TEST_JOB_KEY = 'test-job-encryption-key-0123456789abcdef';

export interface QueueLayer {
  prefix: string;
  redis: ReturnType<typeof connectTestRedis>;
  queue: BotQueue;
  store: BotStore;
  leaves: LeaveChannel;
  crypto: JobCrypto;
  service: BotService;
}

/** The queue layer on a fresh prefix; closed and its keys deleted when the test finishes. */
export function makeQueueLayer(
  options: Partial<Pick<BotStoreOptions, 'endedRetentionMs' | 'now'>> & { newId?: () => string } = {},
): QueueLayer {
  const prefix = uniquePrefix();
  const redis = connectTestRedis();
  const queue = createBotQueue({ connection: redis, prefix });
  const { newId, ...storeOptions } = options;
  const store = new BotStore({ redis, prefix, queue, ...storeOptions });
  const leaves = new LeaveChannel({ redis, prefix });
  const crypto = jobCryptoFromKey(TEST_JOB_KEY);
  const service = new BotService({
    queue,
    store,
    leaves,
    crypto: async () => crypto,
    ...(options.now ? { now: options.now } : {}),
    ...(newId ? { newId } : {}),
  });
  onTestFinished(async () => {
    await queue.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return { prefix, redis, queue, store, leaves, crypto, service };
}

/** A valid request; tests override what they look at. */
export function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    meetingNumber: '123 456 7890',
    displayName: 'Note Taker',
    auth: { type: 'none' },
    ...overrides,
  };
}

/** Every key under `prefix` (SCAN, as `deletePrefix` does). */
export async function keysUnder(redis: QueueLayer['redis'], prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

/** Everything stored under `prefix`, keys and values of every type, as one string to search. */
export async function dumpPrefix(redis: QueueLayer['redis'], prefix: string): Promise<string> {
  const parts: string[] = [];
  for (const key of await keysUnder(redis, prefix)) {
    parts.push(key);
    const type = await redis.type(key);
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'list') parts.push(...(await redis.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(...(await redis.smembers(key)));
    else if (type === 'zset') parts.push(...(await redis.zrange(key, 0, -1)));
    else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    else parts.push(`<${type}>`);
  }
  return parts.join('\n');
}
