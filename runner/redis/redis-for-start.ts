import { PrerequisiteError } from '../lifecycle/prerequisite-error.js';
import { type PrivateRedisServer, startPrivateRedisServer } from './private-redis-server.js';
import { pingRedis, redactRedisUrl } from './redis-ping.js';

export interface RedisForStartOptions {
  redisServerBinary?: string;
  /**
   * Runs only when the private redis-server is needed, before it starts: where `start` installs
   * redis-server (`ensureSystemPackages`), so a machine with Redis elsewhere never installs it.
   */
  beforePrivateServer?: () => Promise<void>;
}

export interface RedisForStart {
  url: string;
  /** Set when nothing answered on the default address and `start` runs its own for this run. */
  privateServer: PrivateRedisServer | undefined;
}

/**
 * Which Redis `start` uses. A REDIS_URL the operator set must answer: silently using another Redis
 * would put their bots in a queue nobody else sees. Unset, the default address is tried, and when
 * nothing answers there a private redis-server runs for this run only.
 */
export async function redisForStart(
  configuredUrl: string | undefined,
  defaultUrl: string,
  options: RedisForStartOptions = {},
): Promise<RedisForStart> {
  if (configuredUrl !== undefined) {
    const ping = await pingRedis(configuredUrl);
    if (!ping.ok) {
      throw new PrerequisiteError(
        'redis_unreachable',
        `REDIS_URL=${redactRedisUrl(configuredUrl)} does not answer (${ping.reason}). Start Redis there, correct REDIS_URL, or unset it to let start run a private redis-server.`,
      );
    }
    return { url: configuredUrl, privateServer: undefined };
  }
  if ((await pingRedis(defaultUrl)).ok) return { url: defaultUrl, privateServer: undefined };
  try {
    await options.beforePrivateServer?.();
    const privateServer = await startPrivateRedisServer(options.redisServerBinary);
    return { url: privateServer.url, privateServer };
  } catch (error) {
    if (!(error instanceof PrerequisiteError)) throw error;
    throw new PrerequisiteError(
      error.code,
      `REDIS_URL is not set and nothing answers on ${defaultUrl}, so start runs a private redis-server, but ${error.message}`,
    );
  }
}
