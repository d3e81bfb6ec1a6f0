import type { Redis } from 'ioredis';
import { queueKeys } from '../queue/queue-names.js';

/** What became of a bot's BullMQ job, as far as the reconciler cares. */
export type JobStatus =
  /** Waiting, delayed, prioritized or active: someone will run it, or runs it now. */
  | { kind: 'present' }
  | { kind: 'missing' }
  | { kind: 'completed'; finishedMs: number }
  | { kind: 'failed'; finishedMs: number; failedReason: string };

/** Commands per pipeline: bounded replies, however many bots. */
const BATCH = 1_000;

/**
 * The status of many bots' jobs, one pipelined HMGET per bot on BullMQ's job hash: `timestamp`
 * (set when the job is added, so its absence means no job), `finishedOn` and `failedReason` (a
 * finished job with a reason failed; our jobs are never retried, so a completed one has none).
 * Cheap at 10,000 bots: one round trip per thousand.
 */
export async function probeJobs(
  redis: Redis,
  prefix: string,
  botIds: readonly string[],
): Promise<Map<string, JobStatus>> {
  const statuses = new Map<string, JobStatus>();
  const keys = queueKeys(prefix);
  for (let start = 0; start < botIds.length; start += BATCH) {
    const batch = botIds.slice(start, start + BATCH);
    const pipeline = redis.pipeline();
    for (const id of batch) pipeline.hmget(keys.job(id), 'timestamp', 'finishedOn', 'failedReason');
    const replies = (await pipeline.exec()) ?? [];
    batch.forEach((id, i) => {
      const [error, fields] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      statuses.set(id, statusOf(fields as (string | null)[]));
    });
  }
  return statuses;
}

function statusOf([timestamp, finishedOn, failedReason]: (string | null)[]): JobStatus {
  if (timestamp === null || timestamp === undefined) return { kind: 'missing' };
  if (finishedOn === null || finishedOn === undefined) return { kind: 'present' };
  const finishedMs = Number(finishedOn);
  return failedReason === null || failedReason === undefined
    ? { kind: 'completed', finishedMs }
    : { kind: 'failed', finishedMs, failedReason };
}
