import type { Redis } from 'ioredis';
import { PrerequisiteError } from '../../lifecycle/prerequisite-error.js';
import type { Logger } from '../../log/logger.js';
import { connectRedis } from '../../redis/redis-connection.js';
import { pingRedis, redactRedisUrl } from '../../redis/redis-ping.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';

/**
 * The process's command connection (queue layer, store, Zoom token cache, leases). A Redis that does
 * not answer at start-up stops the process with `redis_unreachable`: an orchestrator restarts it,
 * where a process that said "ready" without Redis would only fail every request.
 */
export function redisConnectionPart(url: Ref<string>, logger: Logger): Resource<Redis> {
  return resource('redis', async (defer) => {
    const ping = await pingRedis(url.value);
    if (!ping.ok) {
      throw new PrerequisiteError(
        'redis_unreachable',
        `REDIS_URL=${redactRedisUrl(url.value)} does not answer (${ping.reason}).`,
      );
    }
    const redis = connectRedis(url.value, logger, 'commands', { maxRetriesPerRequest: 2 });
    defer('disconnect', () => redis.disconnect());
    return redis;
  });
}
