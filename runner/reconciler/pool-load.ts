import type { Redis } from 'ioredis';
import { evalScript } from '../redis/eval-script.js';
import { PoolReservations, poolKeys } from '../zoom/pool-reservations.js';

/**
 * KEYS: 1 the pool's load set, 2… every meeting's reservation hash (user → botId).
 * Sets each pool user's score to the number of reservations it holds across those meetings;
 * returns how many scores changed. One script, so no reserve or release lands half-way.
 */
const RECOUNT_SCRIPT = `
local counts = {}
for i = 2, #KEYS do
  local held = redis.call('HKEYS', KEYS[i])
  for _, user in ipairs(held) do counts[user] = (counts[user] or 0) + 1 end
end
local changed = 0
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #members, 2 do
  local want = counts[members[i]] or 0
  if tonumber(members[i + 1]) ~= want then
    redis.call('ZADD', KEYS[1], 'XX', want, members[i])
    changed = changed + 1
  end
end
return changed`;

export interface PoolRepair {
  /** Reservations of bots no longer live, freed. */
  released: number;
  /** Pool users whose load was wrong and was set right. */
  recounted: number;
}

/**
 * Frees the Zoom users held by bots that are no longer live (a worker died between a bot's end and
 * its release, or the bot ended in the reconciler), then recounts each pool user's load from the
 * reservations left. `isLive` is asked only about bots holding a reservation.
 *
 * A reserve in a meeting first seen after the SCAN is missed by the recount: that user's load is one
 * low until the next round, which only makes it a little likelier to be picked meanwhile.
 */
export async function repairPool(
  redis: Redis,
  prefix: string,
  isLive: (botId: string) => Promise<boolean>,
): Promise<PoolRepair> {
  const keys = poolKeys(prefix);
  const reservations = new PoolReservations({ redis, prefix });
  const meetingKeys = await scanKeys(redis, keys.meetingPattern);
  let released = 0;
  for (const [meetingNumber, botIds] of await holdersByMeeting(redis, meetingKeys, keys.meetingOf)) {
    for (const botId of botIds) {
      if (await isLive(botId)) continue;
      if ((await reservations.release(meetingNumber, botId)) !== undefined) released += 1;
    }
  }
  const recounted = Number(
    await evalScript(redis, RECOUNT_SCRIPT, 1 + meetingKeys.length, keys.load, ...meetingKeys),
  );
  return { released, recounted };
}

/** meeting number → the bots holding a user there; one pipelined HVALS per thousand meetings. */
async function holdersByMeeting(
  redis: Redis,
  meetingKeys: readonly string[],
  meetingOf: (key: string) => string | undefined,
): Promise<Map<string, Set<string>>> {
  const holders = new Map<string, Set<string>>();
  for (let start = 0; start < meetingKeys.length; start += 1_000) {
    const batch = meetingKeys.slice(start, start + 1_000);
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.hvals(key);
    const replies = (await pipeline.exec()) ?? [];
    batch.forEach((key, i) => {
      const [error, botIds] = replies[i] ?? [new Error('no reply'), []];
      if (error) throw error;
      const meetingNumber = meetingOf(key);
      if (meetingNumber !== undefined) holders.set(meetingNumber, new Set(botIds as string[]));
    });
  }
  return holders;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    for (const key of batch) found.add(key);
  } while (cursor !== '0');
  return [...found];
}
