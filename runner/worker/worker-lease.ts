import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { evalScript } from '../redis/eval-script.js';
import { LUA_NOW_MS } from '../redis/lua-now.js';

/**
 * KEYS: 1 the leases sorted set (worker id → expiry, ms of Redis's clock). ARGV: 1 worker id, 2 ttl ms,
 * 3 'register' | 'renew'. A renewal goes through only while the lease has not lapsed: one that lapsed
 * may already have been reaped and its bots taken over (runner/queue/dead-worker-reaper.ts), so the
 * worker must hear that it lost them. A registration goes through only once the old lease is gone
 * (reaped, or never there): the reaper must first give back what the lapsed lease held.
 */
const LEASE_SCRIPT = `${LUA_NOW_MS}
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if ARGV[3] == 'register' then
  if expiry then return 0 end
else
  if not expiry or tonumber(expiry) < now then return 0 end
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1`;

/**
 * What a worker's bots stand on (docs/contract.md §12, as built): one lease per worker process, renewed
 * every second for all its bots at once, instead of a BullMQ lock renewal per bot per second (the fleet
 * benchmark measured those at 6 of the 6.2 Redis commands per bot per second). The jobs' own BullMQ
 * locks are long (a backstop); a worker whose lease lapses (killed, frozen, cut off) has its jobs'
 * locks removed by the reaper, and the stall check then requeues them as before.
 *
 * States: `unregistered` (start, or after a loss until the reaper has given the old lease's bots back),
 * `held`, `lost` (a renewal found the lease lapsed: every bot held then must leave its meeting, and
 * no new one may start until the lease is registered again).
 */
export class WorkerLease {
  private state: 'unregistered' | 'held' | 'lost' = 'unregistered';
  private renewedAt = 0;
  private inFlight = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    /** BullMQ's worker id: the head of every lock token it hands out (`<id>:<n>`). */
    readonly workerId: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    /** Called once per loss, synchronously, before anything else runs. */
    private readonly onLost: () => void,
  ) {}

  /**
   * When the last registration or renewal that went through was sent (`performance.now()`: the lease
   * runs from when the script ran, and a late reply must not stretch it; no wall-clock steps), 0
   * before the first time.
   */
  get lastRenewedAt(): number {
    return this.renewedAt;
  }

  /** True while the last word from Redis was that the lease is ours (the caller checks its age). */
  get held(): boolean {
    return this.state === 'held';
  }

  /** Drops the lease (its holder holds no bot any more). Never throws. */
  async release(): Promise<void> {
    this.state = 'unregistered';
    await this.redis.zrem(this.key, this.workerId).catch(() => {});
  }

  /**
   * One registration or renewal; a Redis error or a call still hanging from before changes nothing
   * (the caller's watchdog counts the silence). Never throws.
   */
  async tick(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    const mode = this.state === 'held' ? 'renew' : 'register';
    const sentAt = performance.now();
    try {
      const ok =
        (await evalScript(this.redis, LEASE_SCRIPT, 1, this.key, this.workerId, String(this.ttlMs), mode)) ===
        1;
      if (ok) {
        if (this.state !== 'held' && this.renewedAt !== 0)
          this.logger.info({ workerId: this.workerId }, 'worker lease registered again');
        this.state = 'held';
        this.renewedAt = sentAt;
      } else if (mode === 'renew') {
        this.state = 'lost';
        this.logger.warn({ workerId: this.workerId }, 'worker lease lapsed: its bots may be taken over');
        this.onLost();
      }
    } catch {
      // Silence: the watchdog sees the lease's age grow.
    } finally {
      this.inFlight = false;
    }
  }
}
