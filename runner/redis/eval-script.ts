import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Runs a Lua script by its SHA-1 (EVALSHA), sending the source only when Redis does not have it yet
 * (NOSCRIPT: a fresh, restarted or failed-over server). The store's scripts are several kilobytes and
 * run on every state change and enqueue; sending and hashing them each time cost Redis and the
 * network for nothing.
 */
export async function evalScript(
  redis: Redis,
  script: string,
  numKeys: number,
  ...args: Array<string | number | Buffer>
): Promise<unknown> {
  const sha = createHash('sha1').update(script).digest('hex');
  try {
    return await redis.evalsha(sha, numKeys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script, numKeys, ...args);
  }
}
