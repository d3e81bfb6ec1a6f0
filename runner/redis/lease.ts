import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { evalScript } from './eval-script.js';

/** Takes the lease when free, renews it when ours: one round trip, so two processes never both hold it. */
const ACQUIRE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** Deletes the lease only while it is ours (a lapsed one may already be someone else's). */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A short Redis lease (`SET key <holder id> PX ttl`) for work one process of a deployment does at a
 * time (queue-depth reporting, reconciling). The holder renews it well within `ttlMs`; when it dies,
 * the lease lapses and any other process may take it. Holding it is a belief as of the last
 * `acquire`: callers re-acquire before acting, and treat a Redis error as "not held".
 */
export class RedisLease {
  /** This process's holder id, stored as the lease's value. */
  readonly holderId = randomUUID();
  private heldNow = false;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** True after the last `acquire` took or renewed the lease. */
  get held(): boolean {
    return this.heldNow;
  }

  /** Takes or renews the lease; false when another process holds it or Redis did not answer. */
  async acquire(): Promise<boolean> {
    try {
      const result = await evalScript(
        this.redis,
        ACQUIRE_SCRIPT,
        1,
        this.key,
        this.holderId,
        String(this.ttlMs),
      );
      this.heldNow = result === 1;
    } catch {
      this.heldNow = false;
    }
    return this.heldNow;
  }

  /** Hands the lease on at once (a no-op unless ours). Never throws. */
  async release(): Promise<void> {
    this.heldNow = false;
    await evalScript(this.redis, RELEASE_SCRIPT, 1, this.key, this.holderId).catch(() => {});
  }
}
