import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { waitAtMost } from '../lifecycle/wait-at-most.js';
import type { Logger } from '../log/logger.js';
import { residentBytes } from '../metrics/chromium-memory.js';
import {
  WORKER_BEAT_FORGET_MS,
  WORKER_BEAT_INTERVAL_MS,
  WORKER_BEAT_TTL_MS,
  type WorkerBeat,
  workerBeatKeys,
} from './worker-beat.js';

/** What changes from beat to beat. */
export type WorkerBeatState = Pick<
  WorkerBeat,
  'bots' | 'accepting' | 'chromiumBytes' | 'browsers' | 'warmPages' | 'slots'
>;

export interface WorkerHeartbeatOptions {
  redis: Redis;
  prefix: string;
  /**
   * Shown on the fleet page; unique per worker (the CLI passes `--name`, default host name and pid).
   * Unnamed workers (tests, several in one process) get host, pid and a random suffix.
   */
  name?: string | undefined;
  /** Read on every beat. */
  state: () => Promise<WorkerBeatState>;
  logger: Logger;
  /** Default WORKER_BEAT_INTERVAL_MS. */
  intervalMs?: number;
  now?: () => number;
}

/** A close waits this long for Redis to take the goodbye; a worker never hangs on a dashboard. */
const CLOSE_TIMEOUT_MS = 1_000;

/**
 * Writes this worker's heartbeat (worker-beat.ts) every few seconds, for the fleet page. Best
 * effort: a beat that fails (Redis away) is skipped, and the page then shows the worker as silent,
 * which is what it is to the rest of the fleet. On close the worker takes its entry away, so a
 * finished deploy leaves no silent workers behind.
 */
export class WorkerHeartbeat {
  readonly name: string;
  private readonly keys: ReturnType<typeof workerBeatKeys>;
  private readonly now: () => number;
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private failing = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: WorkerHeartbeatOptions) {
    this.name = options.name ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.keys = workerBeatKeys(options.prefix);
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Beats now, then every interval. */
  start(): void {
    if (this.timer || this.closing) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? WORKER_BEAT_INTERVAL_MS);
    this.timer.unref();
  }

  private tick(): void {
    // A beat still in flight (Redis slow) is not doubled up.
    if (this.beating) return;
    this.beating = this.beat().finally(() => {
      this.beating = undefined;
    });
  }

  /** One beat; never throws. */
  async beat(): Promise<void> {
    try {
      const state = await this.options.state();
      const at = this.now();
      const beat: WorkerBeat = {
        name: this.name,
        host: hostname(),
        pid: process.pid,
        startedAt: this.startedAt,
        beatAt: at,
        ...state,
      };
      const { redis } = this.options;
      await redis
        .multi()
        .set(this.keys.beat(this.name), JSON.stringify(beat), 'PX', WORKER_BEAT_TTL_MS)
        .zadd(this.keys.index, at, this.name)
        .zremrangebyscore(this.keys.index, '-inf', at - WORKER_BEAT_FORGET_MS)
        .exec();
      if (this.failing) this.options.logger.info('worker heartbeat written again');
      this.failing = false;
    } catch (error) {
      // Once per outage: the Redis connection logs the outage itself.
      if (!this.failing)
        this.options.logger.warn({ err: (error as Error).message }, 'worker heartbeat not written');
      this.failing = true;
    }
  }

  /** Stops beating and removes this worker's entry. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      // A beat stuck on an unreachable Redis must not hold up the worker's shutdown.
      if (this.beating) await waitAtMost(this.beating, CLOSE_TIMEOUT_MS);
      const goodbye = this.options.redis
        .multi()
        .del(this.keys.beat(this.name))
        .zrem(this.keys.index, this.name)
        .exec()
        .catch(() => undefined);
      await waitAtMost(goodbye, CLOSE_TIMEOUT_MS);
    })();
    return this.closing;
  }
}

/** What a worker's beat reads from its job loop and its pages. */
export interface BeatSources {
  worker: { heldBotIds(): string[]; accepting(): boolean };
  /**
   * The worker's pages. `stats` is the Chromium pool's (`BrowserPool.stats`); pages without a
   * browser (sim-client) have none, and their Chromium fields are null.
   */
  pages: { processTree(): number[]; stats?: () => { browsers: number; warm: number } };
  slots: number;
}

/** The beat state of a worker, read from its job loop and pages (Chromium memory from /proc). */
export function beatStateOf(sources: BeatSources): () => Promise<WorkerBeatState> {
  return async () => {
    const stats = sources.pages.stats?.();
    return {
      slots: sources.slots,
      bots: sources.worker.heldBotIds(),
      accepting: sources.worker.accepting(),
      chromiumBytes: stats ? await residentBytes(sources.pages.processTree()) : null,
      browsers: stats ? stats.browsers : null,
      warmPages: stats ? stats.warm : null,
    };
  };
}
