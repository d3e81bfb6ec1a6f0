import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { newRedis } from './redis-address.js';

/**
 * Logs a Redis outage once when it starts and once when it ends. ioredis emits an `error` on every
 * reconnect attempt (several a second) and prints them itself when nobody listens.
 */
export function watchRedis(redis: Redis, logger: Logger | undefined, name: string): Redis {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger?.warn({ redis: name, err: error.message }, 'Redis unreachable; retrying');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.info({ redis: name }, 'Redis reachable again');
  });
  return redis;
}

/**
 * Reconnect attempts 50 ms apart, growing to at most 500 ms (ioredis's default grows to 2 s): after an
 * outage the worker's lock renewals must resume within half a second, or bots leave their meetings
 * for a lock they still hold (docs/contract.md §12).
 */
export const RECONNECT_DELAY_MAX_MS = 500;

/** `address`: a Redis URL or the Sentinel form of runner/redis/redis-address.ts. */
export function connectRedis(
  url: string,
  logger: Logger | undefined,
  name: string,
  options: RedisOptions = {},
): Redis {
  return watchRedis(
    newRedis(url, {
      retryStrategy: (times) => Math.min(times * 50, RECONNECT_DELAY_MAX_MS),
      ...options,
    }),
    logger,
    name,
  );
}
