import { ensureSystemPackages } from '../../lifecycle/system-packages.js';
import { redisForStart } from '../../redis/redis-for-start.js';
import { type Resource, resource } from '../resource.js';

/**
 * Which Redis `start` uses (runner/redis/redis-for-start.ts): REDIS_URL when set (it must answer),
 * else the default address, else a private redis-server for this run, stopped and removed on close.
 */
export function redisEndpointPart(input: {
  configuredUrl: string | undefined;
  defaultUrl: string;
  /** Told when a private redis-server runs: the operator should know their bots are not in their Redis. */
  say: (line: string) => void;
  /** Told what is installed and why, when redis-server is missing and this process may install it. */
  warn: (line: string) => void;
}): Resource<string> {
  return resource('redis endpoint', async (defer) => {
    const redis = await redisForStart(input.configuredUrl, input.defaultUrl, {
      // Only a machine that needs the private server gets redis-server installed.
      beforePrivateServer: async () => {
        await ensureSystemPackages({ redisServer: true }, { log: input.warn });
      },
    });
    const server = redis.privateServer;
    if (server) {
      defer('stop private redis-server', () => server.stop());
      input.say(
        `REDIS_URL is not set and nothing answers on ${input.defaultUrl}: running a private redis-server for this run at ${redis.url} (nothing is kept after it stops).`,
      );
    }
    return redis.url;
  });
}
