import { type Job, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData } from './job-data.js';
import { BOT_JOB_NAME, BOT_QUEUE_NAME, NEW_JOIN_PRIORITY, REJOIN_PRIORITY } from './queue-names.js';

export type BotQueue = Queue<JobData, void, typeof BOT_JOB_NAME>;
export type BotJob = Job<JobData, void, typeof BOT_JOB_NAME>;

const DAY_SEC = 24 * 3600;

/**
 * Finished jobs are kept for a bounded age and count (contract: Redis runs `noeviction`, so nothing
 * may grow without bound). The bot view outlives them (see `BotStore`), so these only serve the
 * dashboard; failed ones stay longer because someone may be looking into them.
 */
export const BOT_JOB_OPTIONS = {
  removeOnComplete: { age: DAY_SEC, count: 1000 },
  removeOnFail: { age: 7 * DAY_SEC, count: 5000 },
} as const satisfies JobsOptions;

export interface CreateBotQueueOptions {
  /** Shared with the caller, who closes it (BullMQ does not close connections it was given). */
  connection: Redis;
  prefix: string;
}

export function createBotQueue(options: CreateBotQueueOptions): BotQueue {
  return new Queue<JobData, void, typeof BOT_JOB_NAME>(BOT_QUEUE_NAME, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: BOT_JOB_OPTIONS,
  });
}

/**
 * Adds a new bot's job: the job id IS the bot id (BullMQ refuses nothing up to Zoom's 36-character
 * `customerKey`). A `joinAt` in the future makes it a delayed job that BullMQ promotes on time.
 */
export async function addBotJob(queue: BotQueue, data: JobData, joinAtMs?: number): Promise<BotJob> {
  const delay = joinAtMs === undefined ? 0 : Math.max(0, joinAtMs - Date.now());
  return queue.add(BOT_JOB_NAME, data, {
    jobId: data.botId,
    priority: NEW_JOIN_PRIORITY,
    ...(delay > 0 ? { delay } : {}),
  });
}

/**
 * Puts a bot the calling worker holds back into the queue as a rejoin, ahead of every new join:
 * on handoff (SIGTERM), after a drop that this worker will not retry itself, or on backoff.
 *
 * BullMQ 6.7 has no single "requeue with priority" move: `changePriority` only rewrites the stored
 * priority of an active job, and `moveToDelayed(ts, token)` releases the lock (checked against the
 * token) and parks the job; when it is due, BullMQ promotes it into the prioritized set with that
 * priority. `moveToDelayed` is used even for "now" because, unlike `moveToWait`, it adds the marker
 * that wakes workers blocked on an empty queue (`moveToWait` would leave them asleep until their
 * drain timeout) and it does not count as an attempt.
 *
 * The processor must then throw BullMQ's `DelayedError` (not return), or BullMQ will try to
 * complete a job it no longer holds.
 */
export async function requeueForRejoin(
  job: BotJob,
  token: string,
  options: { delayMs?: number } = {},
): Promise<void> {
  await job.changePriority({ priority: REJOIN_PRIORITY });
  await job.moveToDelayed(Date.now() + Math.max(0, options.delayMs ?? 0), token);
}
