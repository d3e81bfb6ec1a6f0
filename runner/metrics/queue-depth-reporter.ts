import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RunnerMetrics } from './runner-metrics.js';

/** BullMQ states reported as queue depth. */
export const QUEUE_DEPTH_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'paused'] as const;

export interface QueueCounts {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

export interface QueueDepthReporterOptions {
  redis: Redis;
  /** QUEUE_PREFIX: the lease is `<prefix>:metrics:leader`. */
  prefix: string;
  queue: QueueCounts;
  metrics: RunnerMetrics;
  /** Lease length (default 15 s): a dead leader's replacement takes over within this. */
  leaseMs?: number;
  /** How often the lease is renewed and the counts read (default 5 s, a third of the lease). */
  intervalMs?: number;
}

/** Takes the lease when free, renews it when ours: one round trip, so two processes never both hold it. */
const LEASE_SCRIPT = `
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

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Queue depth is a property of the deployment, not of a replica: if every process exported it, a
 * `sum()` over replicas would count each job once per replica. So only the holder of a short Redis
 * lease (`SET <prefix>:metrics:leader <id> NX PX 15000`, renewed every 5 s) sets `zbr_queue_jobs`;
 * every other process exports no series for it. When the holder dies, another takes over within
 * one lease.
 */
export class QueueDepthReporter {
  private readonly id = randomUUID();
  private readonly key: string;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private leader = false;

  constructor(private readonly options: QueueDepthReporterOptions) {
    this.key = `${options.prefix}:metrics:leader`;
    this.leaseMs = options.leaseMs ?? 15_000;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  /** One round: take or renew the lease, then report (leader) or clear (follower). Never throws. */
  async tick(): Promise<void> {
    const gauge = this.options.metrics.queueJobs;
    try {
      const held = await this.options.redis.eval(LEASE_SCRIPT, 1, this.key, this.id, String(this.leaseMs));
      this.leader = held === 1;
      if (!this.leader) {
        gauge.reset();
        return;
      }
      const counts = await this.options.queue.getJobCounts(...QUEUE_DEPTH_STATES);
      for (const state of QUEUE_DEPTH_STATES) gauge.set({ state }, counts[state] ?? 0);
    } catch {
      // Redis unreachable: we may no longer hold the lease, so report nothing rather than stale counts.
      this.leader = false;
      gauge.reset();
    }
  }

  /** Stops reporting and hands the lease on at once (not after it expires). Idempotent. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.leader) return;
    this.leader = false;
    await this.options.redis.eval(RELEASE_SCRIPT, 1, this.key, this.id).catch(() => {});
  }
}
