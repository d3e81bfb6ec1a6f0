import type { Redis } from 'ioredis';
import { RedisLease } from '../redis/lease.js';
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

/**
 * Queue depth is a property of the deployment, not of a replica: if every process exported it, a
 * `sum()` over replicas would count each job once per replica. So only the holder of a short Redis
 * lease (`RedisLease` on `<prefix>:metrics:leader`, 15 s, renewed every 5 s) sets `zbr_queue_jobs`;
 * every other process exports no series for it. When the holder dies, another takes over within
 * one lease.
 */
export class QueueDepthReporter {
  private readonly lease: RedisLease;
  private timer: NodeJS.Timeout | undefined;
  private leader = false;
  private closed = false;
  /** The round running now; rounds never overlap, and `close` waits for the last one. */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly options: QueueDepthReporterOptions) {
    this.lease = new RedisLease(options.redis, `${options.prefix}:metrics:leader`, options.leaseMs ?? 15_000);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.round();
    this.timer = setInterval(() => this.round(), this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  private round(): void {
    const previous = this.inFlight;
    this.inFlight = (async () => {
      await previous;
      if (!this.closed) await this.tick();
    })();
  }

  /** One round: take or renew the lease, then report (leader) or clear (follower). Never throws. */
  async tick(): Promise<void> {
    const gauge = this.options.metrics.queueJobs;
    try {
      this.leader = await this.lease.acquire();
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

  /**
   * Stops reporting and hands the lease on at once (not after it expires). A round in flight may be
   * taking the lease right now: it is waited for, and the release (a no-op unless the lease is ours)
   * always runs. Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    this.leader = false;
    await this.lease.release();
  }
}
