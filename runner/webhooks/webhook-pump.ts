import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { evalScript } from '../redis/eval-script.js';
import { WEBHOOK_JOB_NAME, type WebhookKeys } from './webhook-keys.js';
import type { WebhookMetrics } from './webhook-metrics.js';
import { ACTIVE_LANES_SCRIPT, PUMP_SCRIPT } from './webhook-scripts.js';

export interface LaneJobData {
  /** `<target>:<botId>` (see `laneName`). */
  lane: string;
}
export type WebhookQueue = Queue<LaneJobData, void, typeof WEBHOOK_JOB_NAME>;

export interface WebhookPumpOptions {
  /** Commands (shared; the caller closes it). */
  redis: Redis;
  /** Only for `XREAD BLOCK`, which holds its connection; the pump disconnects it on close. */
  blocking: Redis;
  keys: WebhookKeys;
  queue: WebhookQueue;
  batchSize: number;
  blockMs: number;
  sweepMs: number;
  /** Pending deliveries kept per receiver origin; the oldest beyond it are dropped. */
  originBacklogMax: number;
  logger: Logger;
  metrics?: WebhookMetrics;
}

/** A flood of drops to one dead receiver logs once a minute, not once per event. */
const DROP_LOG_INTERVAL_MS = 60_000;

/**
 * Moves stream entries into per-bot lanes and makes sure every lane with items has a job. The
 * stream read position lives in Redis, so a process that dies (or a dispatcher that was not
 * running) loses nothing: the next pump carries on from the stored cursor. Each entry goes to the
 * destinations recorded in it (see `PUMP_SCRIPT`), whatever this process's WEBHOOK_URL is.
 */
export class WebhookPump {
  private closed = false;
  private loop: Promise<void> | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** Per origin: when its drops were last logged, and how many came since. */
  private readonly drops = new Map<string, { loggedAt: number; unlogged: number }>();

  constructor(private readonly options: WebhookPumpOptions) {}

  start(): void {
    this.loop = this.run();
    // A process that died between the pump script and `queue.add` left a lane without a job;
    // BullMQ's own stall check covers jobs that were already added.
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'webhook sweep failed'),
      );
    }, this.options.sweepMs);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    // Interrupts a pending XREAD BLOCK; the loop sees `closed` and ends.
    this.options.blocking.disconnect();
    await this.loop;
  }

  /** Moves what the stream holds past the cursor; returns the new cursor. */
  async pumpAll(): Promise<string> {
    const { redis, keys } = this.options;
    for (;;) {
      const [cursor, moved, started, dropped] = (await evalScript(
        redis,
        PUMP_SCRIPT,
        4,
        keys.stream,
        keys.cursor,
        keys.activeLanes,
        keys.jobSeq,
        this.options.batchSize,
        keys.base,
        this.options.originBacklogMax,
      )) as [string, number, string[], (string | number)[]];
      this.reportDrops(dropped);
      await this.addJobs(started);
      if (moved < this.options.batchSize) return cursor;
    }
  }

  /** Adds the job of every active lane; BullMQ ignores an id it already holds. */
  async sweep(): Promise<void> {
    const { redis, keys } = this.options;
    const pairs = (await evalScript(redis, ACTIVE_LANES_SCRIPT, 1, keys.activeLanes, keys.base)) as string[];
    await this.addJobs(pairs);
  }

  private async run(): Promise<void> {
    let swept = false;
    while (!this.closed) {
      try {
        // Sent first, as `start` is called: on a prefix no dispatcher has read yet, this pump fixes
        // the cursor at the stream's end (see `PUMP_SCRIPT`) before any later command on the same
        // connection can record an event.
        const cursor = await this.pumpAll();
        if (!swept) {
          swept = true;
          await this.sweep().catch((error: unknown) =>
            this.options.logger.warn({ err: error }, 'webhook sweep failed'),
          );
        }
        if (this.closed) break;
        // Wakes as soon as an entry past the cursor exists; the timeout only bounds how long a
        // lost wake-up could delay delivery.
        await this.options.blocking.xread(
          'BLOCK',
          this.options.blockMs,
          'STREAMS',
          this.options.keys.stream,
          cursor,
        );
      } catch (error) {
        if (this.closed) break;
        this.options.logger.warn({ err: error }, 'webhook pump failed; retrying in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** `{origin, count, ...}` from the pump script: counted at once, logged at most once a minute. */
  private reportDrops(pairs: readonly (string | number)[]): void {
    const now = Date.now();
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const origin = String(pairs[i]);
      const count = Number(pairs[i + 1]);
      this.options.metrics?.webhookDropped.inc({ reason: 'backlog_full' }, count);
      const seen = this.drops.get(origin) ?? { loggedAt: Number.NEGATIVE_INFINITY, unlogged: 0 };
      seen.unlogged += count;
      if (now - seen.loggedAt >= DROP_LOG_INTERVAL_MS) {
        // The origin only: a URL's path or query may carry the receiver's token.
        this.options.logger.warn(
          { origin, dropped: seen.unlogged, backlogMax: this.options.originBacklogMax },
          'webhook receiver is not keeping up: its oldest pending events were dropped',
        );
        seen.loggedAt = now;
        seen.unlogged = 0;
      }
      this.drops.set(origin, seen);
    }
  }

  private async addJobs(pairs: readonly string[]): Promise<void> {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const lane = pairs[i] as string;
      const jobId = pairs[i + 1] as string;
      await this.options.queue.add(WEBHOOK_JOB_NAME, { lane }, { jobId });
    }
  }
}
