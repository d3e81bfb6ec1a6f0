import { newRedis, redactRedisAddress } from './redis-address.js';

export type RedisPing = { ok: true } | { ok: false; reason: string };

/** One PING with no retries: does a Redis answer at `url` right now? */
export async function pingRedis(url: string, timeoutMs = 2_000): Promise<RedisPing> {
  const redis = newRedis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    // Something else on the port (or a TLS-only one) may accept and never answer.
    commandTimeout: timeoutMs,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND…) says more than connect()'s "Connection is closed".
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => {
    socketError ??= error;
  });
  try {
    await redis.connect();
    const answer = await redis.ping();
    return answer === 'PONG' ? { ok: true } : { ok: false, reason: `unexpected answer ${answer}` };
  } catch (error) {
    return { ok: false, reason: (socketError ?? (error as Error)).message };
  } finally {
    redis.disconnect();
  }
}

/** The URL without its password, for messages. */
export function redactRedisUrl(url: string): string {
  return redactRedisAddress(url);
}
