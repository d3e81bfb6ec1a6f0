import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { WEBHOOK_JOB_NAME, type WebhookKeys } from './webhook-keys.js';
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
  /** WEBHOOK_URL, or '' when only bots' own URLs receive events. */
  globalUrl: string;
  batchSize: number;
  blockMs: number;
  sweepMs: number;
  logger: Logger;
}

/**
 * Moves stream entries into per-bot lanes and makes sure every lane with items has a job. The
 * stream read position lives in Redis, so a process that dies (or a dispatcher that was not
 * running) loses nothing: the next pump carries on from the stored cursor.
 */
export class WebhookPump {
  private closed = false;
  private loop: Promise<void> | undefined;
  private sweeper: NodeJS.Timeout | undefined;

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
      const [cursor, moved, started] = (await redis.eval(
        PUMP_SCRIPT,
        4,
        keys.stream,
        keys.cursor,
        keys.activeLanes,
        keys.jobSeq,
        this.options.batchSize,
        this.options.globalUrl,
        keys.base,
      )) as [string, number, string[]];
      await this.addJobs(started);
      if (moved < this.options.batchSize) return cursor;
    }
  }

  /** Adds the job of every active lane; BullMQ ignores an id it already holds. */
  async sweep(): Promise<void> {
    const { redis, keys } = this.options;
    const pairs = (await redis.eval(ACTIVE_LANES_SCRIPT, 1, keys.activeLanes, keys.base)) as string[];
    await this.addJobs(pairs);
  }

  private async run(): Promise<void> {
    await this.sweep().catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'webhook sweep failed'),
    );
    while (!this.closed) {
      try {
        const cursor = await this.pumpAll();
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

  private async addJobs(pairs: readonly string[]): Promise<void> {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const lane = pairs[i] as string;
      const jobId = pairs[i + 1] as string;
      await this.options.queue.add(WEBHOOK_JOB_NAME, { lane }, { jobId });
    }
  }
}
