import type { Redis } from 'ioredis';
import { evalScript } from '../redis/eval-script.js';
import { LUA_NOW_MS } from '../redis/lua-now.js';
import { queueKeys } from './queue-names.js';

/**
 * KEYS: 1 worker leases (sorted set id → expiry ms), 2 BullMQ's active list, 3 its stalled set, 4 its
 * stalled-check marker. ARGV: 1 the job key head (`<prefix>:bots:`), 2 most workers per call.
 *
 * Takes the lapsed leases out of the set, and for each active job whose lock token (`<worker id>:<n>`)
 * names one of them: deletes the lock and marks the job stalled, then clears the stall check's marker,
 * so the next stall check of any worker requeues those jobs at once (BullMQ counts the stall, so the
 * poison-bot limit still holds). Costs one TIME and one ZRANGEBYSCORE while no lease has lapsed; the
 * walk of the active list happens only when a worker died.
 */
const REAP_SCRIPT = `${LUA_NOW_MS}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, tonumber(ARGV[2]))
if #dead == 0 then return {0, 0} end
local isDead = {}
for _, id in ipairs(dead) do
  isDead[id] = true
  redis.call('ZREM', KEYS[1], id)
end
local freed = 0
for _, jobId in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local lockKey = ARGV[1] .. jobId .. ':lock'
  local token = redis.call('GET', lockKey)
  if token then
    local holder = string.match(token, '^(.*):%d+$')
    if holder and isDead[holder] then
      redis.call('DEL', lockKey)
      redis.call('SADD', KEYS[3], jobId)
      freed = freed + 1
    end
  end
end
if freed > 0 then redis.call('DEL', KEYS[4]) end
return {#dead, freed}`;

/**
 * KEYS: 1 a job's lock, 2 BullMQ's stalled set, 3 its stalled-check marker. ARGV: 1 the lock token, 2
 * the job id. A job whose run ended here without being given back (Redis was away): while the lock is
 * still this token, frees it for the next stall check, as the reaper does for a dead worker's jobs.
 */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
return 1`;

/**
 * Hands a job this worker stopped running to the stall check, if it is still locked with `token`
 * (true); false when it was given back, finished or taken by another worker meanwhile.
 */
export async function releaseToStallCheck(
  redis: Redis,
  prefix: string,
  jobId: string,
  token: string,
): Promise<boolean> {
  const keys = queueKeys(prefix);
  const released = await evalScript(
    redis,
    RELEASE_SCRIPT,
    3,
    keys.jobLock(jobId),
    keys.bullmq('stalled'),
    keys.bullmq('stalled-check'),
    token,
    jobId,
  );
  return released === 1;
}

export interface ReapResult {
  /** Lapsed worker leases taken out. */
  workers: number;
  /** Jobs of those workers made ready for the stall check to requeue. */
  jobs: number;
}

/**
 * docs/contract.md §12, as built: gives the bots of a worker whose lease lapsed (killed, frozen, cut
 * off from Redis) back to the queue. Any worker runs it; the script is atomic, so two at once are
 * harmless.
 */
export async function reapDeadWorkers(redis: Redis, prefix: string, maxWorkers = 20): Promise<ReapResult> {
  const keys = queueKeys(prefix);
  const [workers, jobs] = (await evalScript(
    redis,
    REAP_SCRIPT,
    4,
    keys.workerLeases,
    keys.bullmq('active'),
    keys.bullmq('stalled'),
    keys.bullmq('stalled-check'),
    keys.jobHead,
    String(maxWorkers),
  )) as [number, number];
  return { workers, jobs };
}
