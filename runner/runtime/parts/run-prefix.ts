import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';

/** A QUEUE_PREFIX for one `start` run: `zbr-start-<8 hex>`. */
export function newRunPrefix(): string {
  return `zbr-start-${randomBytes(4).toString('hex')}`;
}

/**
 * The embedded default on a Redis it may share (the machine's 6379) keeps to a prefix of its own; its
 * bots and meetings die with its embedded sim, so on close every key under that prefix is removed:
 * the next run, or another runner on the same Redis, inherits nothing.
 */
export function runPrefixPart(input: { prefix: string; redis: Ref<Redis> }): Resource<string> {
  return resource('run prefix', (defer) => {
    defer('remove the run’s keys', () => deleteKeysUnder(input.redis.value, input.prefix));
    return input.prefix;
  });
}

async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
