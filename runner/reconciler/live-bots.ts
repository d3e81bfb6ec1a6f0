import type { Redis } from 'ioredis';
import { BOT_STATES } from '../../shared/bot-states.js';
import type { QueueKeys } from '../queue/queue-names.js';

export interface LiveBot {
  id: string;
  createdMs: number;
}

const LIVE_STATES = BOT_STATES.filter((state) => state !== 'ended');

/**
 * Every bot whose view is live, with its creation time, from the per-state indexes (moved in the same
 * script as each change, so they never disagree with the views): one pipelined ZRANGE per live state,
 * however many bots there are.
 */
export async function readLiveBots(redis: Redis, keys: QueueKeys): Promise<LiveBot[]> {
  const pipeline = redis.pipeline();
  for (const state of LIVE_STATES) pipeline.zrange(keys.stateIndex(state), 0, -1, 'WITHSCORES');
  const replies = (await pipeline.exec()) ?? [];
  const bots = new Map<string, number>();
  for (const [error, flat] of replies) {
    if (error) throw error;
    const entries = flat as string[];
    for (let i = 0; i + 1 < entries.length; i += 2) bots.set(entries[i] as string, Number(entries[i + 1]));
  }
  return [...bots].map(([id, createdMs]) => ({ id, createdMs }));
}
