import type { Redis } from 'ioredis';
import type { QueueKeys } from '../queue/queue-names.js';

export interface OrphanJob {
  id: string;
  /** When the job was added (BullMQ's `timestamp`). */
  addedMs: number;
}

const LISTS = ['wait', 'paused', 'active'] as const;
const SORTED_SETS = ['prioritized', 'delayed'] as const;
const BATCH = 1_000;

/**
 * Unfinished bot jobs whose bot view is gone (deleted by hand, or lost with a Redis that came back
 * without it): nobody can see or stop such a bot through the API, so it must not run on forever.
 * Reads BullMQ's own lists of unfinished jobs, then one pipelined EXISTS (view) and HGET (job
 * `timestamp`) per job, a thousand per round trip.
 */
export async function findOrphanJobs(redis: Redis, keys: QueueKeys): Promise<OrphanJob[]> {
  const queueKey = keys.bullmq;
  const listing = redis.pipeline();
  for (const list of LISTS) listing.lrange(queueKey(list), 0, -1);
  for (const set of SORTED_SETS) listing.zrange(queueKey(set), 0, -1);
  const ids = new Set<string>();
  for (const [error, members] of (await listing.exec()) ?? []) {
    if (error) throw error;
    for (const id of members as string[]) ids.add(id);
  }
  const all = [...ids];
  const orphans: OrphanJob[] = [];
  for (let start = 0; start < all.length; start += BATCH) {
    const batch = all.slice(start, start + BATCH);
    const pipeline = redis.pipeline();
    for (const id of batch) pipeline.exists(keys.bot(id)).hget(keys.job(id), 'timestamp');
    const replies = (await pipeline.exec()) ?? [];
    batch.forEach((id, i) => {
      const [viewError, viewExists] = replies[2 * i] ?? [new Error('no reply'), 0];
      const [jobError, timestamp] = replies[2 * i + 1] ?? [new Error('no reply'), null];
      if (viewError) throw viewError;
      if (jobError) throw jobError;
      // A job whose hash is gone too is not an orphan to act on: BullMQ cleans its own lists.
      if (viewExists === 0 && typeof timestamp === 'string') orphans.push({ id, addedMs: Number(timestamp) });
    });
  }
  return orphans;
}
