import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import type { RunnerMetrics } from '../metrics/runner-metrics.js';
import { queueKeys } from '../queue/queue-names.js';
import { RedisLease } from '../redis/lease.js';
import { LeaseLostError } from './lease-lost-error.js';
import { type RoundDeps, type RoundSummary, reconcileRound } from './reconcile-round.js';
import { backfillTenantIndexes } from './tenant-index-backfill.js';

export interface ReconcilerOptions {
  redis: Redis;
  /** QUEUE_PREFIX: the lease is `<prefix>:reconciler:leader`. */
  prefix: string;
  store: RoundDeps['store'];
  leaves: RoundDeps['leaves'];
  queue: RoundDeps['queue'];
  metrics: RunnerMetrics;
  logger: Logger;
  /** RECONCILE_INTERVAL_SEC, in ms: one round per period, by the lease holder. */
  intervalMs: number;
  /** Between finding a suspect and acting on it (default a quarter period, at most 2 s). */
  confirmDelayMs?: number;
  /** Lease length (default three renewals: 15 s with the default period). */
  leaseMs?: number;
  now?: () => number;
}

/** `zbr_reconciler_actions_total{action}` labels, per summary field. */
const ACTIONS = [
  ['job_lost', (s: RoundSummary) => s.jobLost.length],
  ['too_many_stalls', (s: RoundSummary) => s.tooManyStalls.length],
  ['job_failed', (s: RoundSummary) => s.jobFailed.length],
  ['orphan_job_removed', (s: RoundSummary) => s.orphansRemoved.length],
  ['orphan_job_left', (s: RoundSummary) => s.orphansLeft.length],
  ['reservation_released', (s: RoundSummary) => s.reservationsReleased],
  ['pool_recomputed', (s: RoundSummary) => s.poolRecounted],
] as const;

/** `zbr_reconciler_actions_total{action}` label: pre-tenant views the backfill indexed. */
const TENANT_INDEX_BACKFILLED = 'tenant_index_backfilled';

/**
 * docs/contract.md §12: no view stays live without a job. Every process runs one; the holder of a
 * short Redis lease (`RedisLease`, renewed every few seconds) does a round each period
 * (`reconcileRound`): ends live bots whose job is gone or failed, settles jobs whose view is gone,
 * frees reservations of ended bots and recounts the pool's load. When the holder dies another process
 * takes the lease within `leaseMs` and starts with a round at once.
 */
export class Reconciler {
  private readonly lease: RedisLease;
  private readonly tickMs: number;
  private readonly now: () => number;
  private readonly stopper = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastRoundAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private busy = false;
  /** The tenant-index backfill's marker was seen or set: this process never checks it again. */
  private tenantIndexDone = false;
  /** The tick running now; ticks never overlap, and `close` waits for the last one. */
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ReconcilerOptions) {
    this.tickMs = Math.min(options.intervalMs, 5_000);
    this.now = options.now ?? Date.now;
    this.lease = new RedisLease(
      options.redis,
      `${options.prefix}:reconciler:leader`,
      options.leaseMs ?? Math.max(3 * this.tickMs, 1_000),
    );
  }

  get isHolder(): boolean {
    return this.lease.held;
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.schedule();
    this.timer = setInterval(() => this.schedule(), this.tickMs);
    this.timer.unref();
  }

  /** One timer firing: renew the lease, and run a round when one is due. Skipped while one runs. */
  private schedule(): void {
    if (this.busy) return;
    this.busy = true;
    this.inFlight = (async () => {
      try {
        if (this.closed || !(await this.lease.acquire())) return;
        if (this.now() - this.lastRoundAt >= this.options.intervalMs) await this.tick();
      } finally {
        this.busy = false;
      }
    })();
  }

  /**
   * Takes or renews the lease and, when held, runs one round now. Resolves with what the round did,
   * or undefined when this process is not the holder (or lost the lease, or Redis failed). Never throws.
   */
  async tick(): Promise<RoundSummary | undefined> {
    if (this.closed || !(await this.lease.acquire())) return undefined;
    this.lastRoundAt = this.now();
    const { options } = this;
    const assertHolder = async () => {
      if (this.closed || !(await this.lease.acquire())) throw new LeaseLostError(this.lease.key);
    };
    try {
      const summary = await reconcileRound({
        redis: options.redis,
        prefix: options.prefix,
        keys: queueKeys(options.prefix),
        store: options.store,
        leaves: options.leaves,
        queue: options.queue,
        periodMs: options.intervalMs,
        confirmDelayMs: options.confirmDelayMs ?? Math.min(2_000, options.intervalMs / 4),
        now: this.now,
        sleep: (ms) => this.sleep(ms),
        assertHolder,
      });
      this.report(summary);
      await this.backfillTenantIndexes(assertHolder);
      return summary;
    } catch (error) {
      this.logFailure(error, 'reconcile round failed');
      return undefined;
    }
  }

  /** A lost lease is routine (another process took over); anything else is worth a warning. */
  private logFailure(error: unknown, what: string): void {
    if (error instanceof LeaseLostError) {
      this.options.logger.debug({ code: error.code }, error.message);
    } else {
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, what);
    }
  }

  /**
   * After a round, until done: one pass of the tenant-index backfill (tenant-index-backfill.ts).
   * Its failure is logged and the next round tries again; it never fails the round.
   */
  private async backfillTenantIndexes(assertHolder: () => Promise<void>): Promise<void> {
    if (this.tenantIndexDone) return;
    const { options } = this;
    try {
      const result = await backfillTenantIndexes({
        redis: options.redis,
        prefix: options.prefix,
        keys: queueKeys(options.prefix),
        logger: options.logger,
        assertHolder,
        now: this.now,
      });
      if (result.kind === 'already_done' || result.done) this.tenantIndexDone = true;
      if (result.kind === 'pass' && result.indexed > 0) {
        options.metrics.reconcilerActions.inc({ action: TENANT_INDEX_BACKFILLED }, result.indexed);
      }
    } catch (error) {
      this.logFailure(error, 'tenant index backfill failed');
    }
  }

  private report(summary: RoundSummary): void {
    const { metrics, logger } = this.options;
    for (const [action, count] of ACTIONS) {
      const n = count(summary);
      if (n > 0) metrics.reconcilerActions.inc({ action }, n);
    }
    const bots = {
      jobLost: summary.jobLost,
      tooManyStalls: summary.tooManyStalls,
      jobFailed: summary.jobFailed,
      orphansRemoved: summary.orphansRemoved,
      orphansLeft: summary.orphansLeft,
    };
    const acted = Object.values(bots).some((ids) => ids.length > 0);
    if (acted || summary.reservationsReleased > 0 || summary.poolRecounted > 0) {
      logger.warn(
        { ...bots, reservationsReleased: summary.reservationsReleased, poolRecounted: summary.poolRecounted },
        'reconciler fixed what it found',
      );
    }
  }

  /** Resolves after `ms`, or at once when the reconciler closes (or has closed). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopper.signal.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        this.stopper.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopper.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops, waits for a round in flight (cut short), and hands the lease on at once. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopper.abort();
    await this.inFlight;
    await this.lease.release();
  }
}
