/**
 * What keeps a bot on one worker (docs/contract.md §12). Each worker process holds one lease
 * (runner/worker/worker-lease.ts): 10 s, renewed every second for all its bots at once. A worker that
 * has not renewed it for 7 s (LOCK_SILENCE_LEAVE_MS) takes its bots out of their meetings itself,
 * before the lease can lapse and the bots pass to another worker. So a Redis outage of up to 4 s costs
 * no bot anything (the silence counts from the last renewal, up to a second before the outage, later
 * on a loaded machine; renewals resume within half a second of Redis answering: see
 * runner/redis/redis-connection.ts), a longer one makes bots leave and come back (`lock_lost`), never
 * twice. A killed worker's lease connection is gone from Redis's client list at once: after 4–5 s of that
 * (WORKER_GONE_AFTER_MS) the one worker watching the list marks its lease lapsed; otherwise (a frozen or
 * cut-off worker) the lease lapses 10 s after its last renewal. Any worker's reaper (every second,
 * runner/queue/dead-worker-reaper.ts) then frees its jobs and clears the stall check's marker, and the
 * next stall check (every 1.5 s) requeues them.
 *
 * BullMQ's own per-job locks stay, long: they carry the token that fences a worker's writes about a bot
 * (runner/queue/bot-store-scripts.ts) and are the backstop when no worker runs a reaper. Renewing each
 * one every second was 6 of the 6.2 Redis commands per bot per second at 1 000 bots (`npm run bench --
 * fleet`); every 15–30 s it is a fortieth of that.
 *
 * `maxStalledCount` is 3 (docs/contract.md §12): a bot whose worker dies with it a fourth time is
 * poisonous (it takes its worker down on every way in), and BullMQ fails its job ('job stalled more
 * than allowable limit') instead of killing a fifth worker; the bot then ends
 * `internal_error`/`too_many_stalls` (runner/worker/failed-job.ts, the reconciler as a backstop). The
 * count restarts whenever the bot is back in its meeting (runner/queue/stall-count-reset.ts), so a
 * healthy bot that shared crashing workers always comes back.
 */

/**
 * docs/contract.md §12: a worker whose lease renewals have not gone through for this long takes its
 * bots out of their meetings itself. The lease lasts WORKER_LEASE_MS, so the bots are out before it
 * can lapse and they pass to another worker, even when this worker is cut off from Redis and never
 * hears it lost them.
 */
export const LOCK_SILENCE_LEAVE_MS = 7_000;

/** A worker's lease lasts this long after its last renewal. */
export const WORKER_LEASE_MS = 10_000;

/**
 * A worker whose lease connection has not been seen in Redis's client list for this long is taken for
 * dead (runner/queue/gone-worker-watch.ts): a killed process's sockets close at once, a frozen or
 * cut-off one's stay open. The list is looked at every second, so the connection has been gone 4–5 s;
 * a live worker whose connection dropped reconnects within half a second, and one that cannot (while
 * its main connection answers) has left its meetings after LEASE_CONNECTION_LOST_MS.
 */
export const WORKER_GONE_AFTER_MS = 5_000;

/**
 * A worker whose lease connection has been down this long while its main connection answers takes its
 * bots out of their meetings: Redis closed that connection alone (a reset, no client slot left), and
 * the watcher above will soon take the worker for dead. Well inside WORKER_GONE_AFTER_MS.
 */
export const LEASE_CONNECTION_LOST_MS = 1_500;

/** How often a worker renews its lease, runs the reaper and its lock watchdog. */
export const WORKER_LEASE_RENEW_MS = 1_000;

export const WORKER_LOCK_SETTINGS = {
  lockDuration: 60_000,
  lockRenewTime: 30_000,
  stalledInterval: 1_500,
  maxStalledCount: 3,
} as const;
