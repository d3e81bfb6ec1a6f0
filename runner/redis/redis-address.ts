import { Redis, type RedisOptions } from 'ioredis';

/**
 * Where the runner's Redis is, as one string that every client is built from: REDIS_URL, or with
 * Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME) `redis+sentinel://[user:password@]host:port,…/name[/db]`
 * (`rediss+sentinel://` for TLS). A string, because it travels through every part and process that
 * opens connections (queue, locks, store, pub/sub, webhooks, the producer library) exactly as a URL did.
 */
export interface SentinelSetup {
  /** `host:port` of each sentinel. */
  sentinels: readonly string[];
  /** The monitored primary's name (`sentinel monitor <name> …`). */
  name: string;
}

const SENTINEL_FORM = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/]+)\/([^/]+)(?:\/(\d+))?$/;

/** The address for REDIS_URL, or for a Sentinel setup taking password, database and TLS from REDIS_URL. */
export function redisAddress(url: string, sentinel?: SentinelSetup): string {
  if (!sentinel || sentinel.sentinels.length === 0) return url;
  const parsed = new URL(url);
  const scheme = parsed.protocol === 'rediss:' ? 'rediss' : 'redis';
  const auth = parsed.username || parsed.password ? `${parsed.username}:${parsed.password}@` : '';
  const db = parsed.pathname.length > 1 ? parsed.pathname : '';
  return `${scheme}+sentinel://${auth}${sentinel.sentinels.join(',')}/${encodeURIComponent(sentinel.name)}${db}`;
}

interface SentinelAddress {
  tls: boolean;
  username?: string;
  password?: string;
  sentinels: { host: string; port: number }[];
  name: string;
  db?: number;
}

function parseSentinelAddress(address: string): SentinelAddress | undefined {
  const match = SENTINEL_FORM.exec(address);
  if (!match) return undefined;
  const [, scheme, auth, hosts, name, db] = match;
  const [user, ...rest] = (auth ?? '').split(':');
  const password = rest.join(':');
  return {
    tls: scheme === 'rediss',
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    sentinels: (hosts ?? '').split(',').map((hostPort) => {
      const at = hostPort.lastIndexOf(':');
      return { host: hostPort.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(at + 1)) };
    }),
    name: decodeURIComponent(name ?? ''),
    ...(db !== undefined ? { db: Number(db) } : {}),
  };
}

/**
 * A client for an address: ioredis's own URL handling for `redis://` and `rediss://` (TLS), its
 * Sentinel connector for the Sentinel form (it asks the sentinels for the primary, and follows a
 * failover by reconnecting to the new one). `duplicate()` keeps all of it, so BullMQ's own
 * connections follow too.
 */
export function newRedis(address: string, options: RedisOptions = {}): Redis {
  const sentinel = parseSentinelAddress(address);
  if (!sentinel) return new Redis(address, options);
  return new Redis({
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    ...(sentinel.username !== undefined ? { username: sentinel.username } : {}),
    ...(sentinel.password !== undefined ? { password: sentinel.password } : {}),
    ...(sentinel.db !== undefined ? { db: sentinel.db } : {}),
    ...(sentinel.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    // A replica promoted by a failover answers READONLY until clients move: reconnect on it.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    ...options,
  });
}

/** The address without its password, for messages. */
export function redactRedisAddress(address: string): string {
  const sentinel = SENTINEL_FORM.exec(address);
  if (sentinel) return address.replace(/\/\/[^@/]*@/, '//***@');
  try {
    const parsed = new URL(address);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The address from the configuration (REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_NAME). */
export function configuredRedisAddress(config: {
  REDIS_URL: string;
  REDIS_SENTINELS?: readonly string[] | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
}): string {
  const sentinels = config.REDIS_SENTINELS ?? [];
  if (sentinels.length === 0) return config.REDIS_URL;
  return redisAddress(config.REDIS_URL, { sentinels, name: config.REDIS_SENTINEL_NAME ?? 'mymaster' });
}
