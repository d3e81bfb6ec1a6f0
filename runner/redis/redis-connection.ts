import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.js';

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

export function connectRedis(
  url: string,
  logger: Logger | undefined,
  name: string,
  options: RedisOptions = {},
): Redis {
  return watchRedis(new Redis(url, options), logger, name);
}
