import type { Redis } from 'ioredis';
import {
  WORKER_BEAT_FORGET_MS,
  WORKER_BEAT_TTL_MS,
  type WorkerBeat,
  workerBeatKeys,
  workerBeatSchema,
} from '../worker/worker-beat.js';

export interface FleetWorker {
  name: string;
  /** When it last beat (ms, its own clock). */
  lastBeatAt: number;
  /** No beat for longer than a beat lives: dead, frozen or cut off from Redis. */
  silent: boolean;
  /** Its last beat; null once that has expired (a silent worker). */
  beat: WorkerBeat | null;
}

/**
 * Workers that beat within the last few minutes (worker-beat.ts): one ZRANGEBYSCORE and one MGET,
 * whatever the number of bots. Listed by name.
 */
export async function readWorkers(redis: Redis, prefix: string, now: number): Promise<FleetWorker[]> {
  const keys = workerBeatKeys(prefix);
  const flat = await redis.zrangebyscore(keys.index, now - WORKER_BEAT_FORGET_MS, '+inf', 'WITHSCORES');
  const entries: { name: string; lastBeatAt: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    entries.push({ name: flat[i] as string, lastBeatAt: Number(flat[i + 1]) });
  if (entries.length === 0) return [];
  const raws = await redis.mget(entries.map((entry) => keys.beat(entry.name)));
  return entries
    .map((entry, i) => {
      const raw = raws[i];
      const parsed = raw ? workerBeatSchema.safeParse(JSON.parse(raw)) : undefined;
      const beat = parsed?.success ? parsed.data : null;
      return { ...entry, beat, silent: beat === null || now - entry.lastBeatAt > WORKER_BEAT_TTL_MS };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
