/**
 * BullMQ lock timing for jobs that last as long as a meeting. The lock is renewed every 2 s and lasts
 * 10 s, so a Redis outage of up to ~8 s costs no bot its lock (the supervisor keeps the bot in its
 * meeting meanwhile), while a killed worker's bots are found stalled within 8–13 s: lock expiry, then
 * a stall check. The check runs every 1.5 s, but BullMQ skips one that comes before the previous
 * check's marker expires, so it can take two intervals; with 3 s intervals and a 12 s lock recovery
 * took 15–18 s (`npm run bench -- recovery`). `maxStalledCount` is high because a stall here means
 * "the worker died", never "the job is poisonous": the bot must always come back.
 */
export const WORKER_LOCK_SETTINGS = {
  lockDuration: 10_000,
  lockRenewTime: 2_000,
  stalledInterval: 1_500,
  maxStalledCount: 100_000,
} as const;
