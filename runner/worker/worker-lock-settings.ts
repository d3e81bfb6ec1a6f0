/**
 * BullMQ lock timing for jobs that last as long as a meeting. The lock is renewed every 3 s and lasts
 * 12 s, so a Redis outage of up to ~9 s costs no bot its lock (the supervisor keeps the bot in its
 * meeting meanwhile), while a killed worker's bots are found stalled and rejoined by another worker
 * within ~15 s (lock expiry + one stall check). `maxStalledCount` is high because a stall here means
 * "the worker died", never "the job is poisonous": the bot must always come back.
 */
export const WORKER_LOCK_SETTINGS = {
  lockDuration: 12_000,
  lockRenewTime: 3_000,
  stalledInterval: 3_000,
  maxStalledCount: 100_000,
} as const;
