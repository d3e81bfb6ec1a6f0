import { z } from 'zod';

/**
 * A worker's heartbeat in Redis: what the fleet page (`/admin/fleet`) shows of each worker. Written
 * by `WorkerHeartbeat` (worker-heartbeat.ts), read by runner/dashboard/fleet-workers.ts.
 *
 * - `<prefix>:fleet:worker:<name>`: JSON `WorkerBeat`, expiring WORKER_BEAT_TTL_MS after the last
 *   beat, so a dead worker's details vanish on their own;
 * - `<prefix>:fleet:workers`: sorted set name → last beat (ms), so the page finds the workers
 *   without SCAN and can say how long a silent one has been silent. Each writer trims entries older
 *   than WORKER_BEAT_FORGET_MS.
 *
 * At 5 s per beat, 300 workers cost Redis about 60 small transactions a second.
 */

export const WORKER_BEAT_INTERVAL_MS = 5_000;
/** Three beats: one late beat (a GC pause, Redis briefly away) does not make a worker vanish. */
export const WORKER_BEAT_TTL_MS = 15_000;
/** A silent worker stays listed (as silent) this long, then its entry is trimmed. */
export const WORKER_BEAT_FORGET_MS = 5 * 60_000;

export const workerBeatSchema = z.object({
  name: z.string().min(1).max(200),
  host: z.string().max(200),
  pid: z.number().int(),
  startedAt: z.number(),
  beatAt: z.number(),
  /** WORKER_CONCURRENCY. */
  slots: z.number().int().nonnegative(),
  /** Ids of the bots this worker holds now. */
  bots: z.array(z.string()).max(10_000),
  /** Taking new bots (not stopping, not paused by the memory gate). */
  accepting: z.boolean(),
  /** Resident memory of its Chromium processes (sum of VmRSS); null without a browser. */
  chromiumBytes: z.number().nonnegative().nullable(),
  /** Chromium processes running; null without a browser (WORKER_PAGE_DRIVER=sim-client). */
  browsers: z.number().int().nonnegative().nullable(),
  /** Pages loaded and initialised, waiting for a bot; null without a browser. */
  warmPages: z.number().int().nonnegative().nullable(),
});
export type WorkerBeat = z.infer<typeof workerBeatSchema>;

export function workerBeatKeys(prefix: string) {
  return {
    beat: (name: string) => `${prefix}:fleet:worker:${name}`,
    index: `${prefix}:fleet:workers`,
  };
}
