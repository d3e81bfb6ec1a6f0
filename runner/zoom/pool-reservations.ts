import type { Redis } from 'ioredis';
import { evalScript } from '../redis/eval-script.js';
import { checkedMeetingNumber, userPathSegment } from './meeting-tokens.js';
import { PoolExhaustedError, ZoomUserBusyError } from './zoom-errors.js';

/**
 * Atomically picks and holds a Zoom user for one bot in one meeting. KEYS: the meeting's hash
 * (user → botId) and the pool's load set. ARGV: botId, the named user ('' for the pool), TTL ms.
 * A bot that already holds a user in this meeting gets it again (a retried reserve is harmless).
 */
const RESERVE_SCRIPT = `
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  if held[i + 1] == ARGV[1] then return {1, held[i]} end
end
local user = ARGV[2]
if user == '' then
  user = false
  for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    if redis.call('HEXISTS', KEYS[1], member) == 0 then
      user = member
      break
    end
  end
  if not user then return {0, 'pool_exhausted'} end
elseif redis.call('HEXISTS', KEYS[1], user) == 1 then
  return {0, 'busy'}
end
redis.call('HSET', KEYS[1], user, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], 'XX', 'INCR', 1, user)
return {1, user}
`;

const RELEASE_SCRIPT = `
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  if held[i + 1] == ARGV[1] then
    redis.call('HDEL', KEYS[1], held[i])
    if redis.call('ZSCORE', KEYS[2], held[i]) then
      local load = tonumber(redis.call('ZINCRBY', KEYS[2], -1, held[i]))
      if load < 0 then redis.call('ZADD', KEYS[2], 0, held[i]) end
    end
    return held[i]
  end
end
return false
`;

/**
 * Redis keys of the pool and of the per-meeting reservations; the reconciler scans the meeting hashes
 * (`meetingPattern`) to free reservations of ended bots and recount each pool user's load.
 */
export function poolKeys(prefix: string) {
  const meetingHead = `${prefix}:zoom:meeting:`;
  return {
    /** Sorted set: its members are the pool, its scores the bots each serves now. */
    load: `${prefix}:zoom:pool:load`,
    /** Hash user → botId of one meeting. */
    meeting: (meetingNumber: string) => `${meetingHead}${checkedMeetingNumber(meetingNumber)}:users`,
    /** SCAN pattern of every meeting hash (prefixes are `[A-Za-z0-9_-]`: nothing to escape). */
    meetingPattern: `${meetingHead}*:users`,
    /** The meeting number a meeting hash belongs to (undefined for another key). */
    meetingOf: (key: string): string | undefined =>
      key.startsWith(meetingHead) && key.endsWith(':users')
        ? key.slice(meetingHead.length, -':users'.length)
        : undefined,
  };
}

export interface PoolReservationsOptions {
  redis: Redis;
  prefix: string;
  /**
   * A meeting's reservations expire this long after the last reserve, so a crashed worker that never
   * released does not block a user in that meeting forever. Longer than any meeting a bot stays in.
   */
  meetingTtlMs?: number;
}

/**
 * Which Zoom user each bot joins as (docs/contract.md §3: one Zoom user is never in one meeting twice).
 *
 * Redis model: `<prefix>:zoom:pool:load` is a sorted set whose members ARE the pool (user ids) and
 * whose scores count the bots each user serves right now, so "least loaded" is its head. Each meeting
 * has `<prefix>:zoom:meeting:<number>:users`, a hash user → botId. Named users (the service user, or
 * `auth.user`) are held per meeting too but never join the pool set. An explicit set, rather than
 * users whose email matches a pattern, keeps the choice a single Redis script with no Zoom call, and
 * lets operators add users created elsewhere (`add`).
 */
export class PoolReservations {
  private readonly loadKey: string;
  private readonly keys: ReturnType<typeof poolKeys>;

  constructor(private readonly options: PoolReservationsOptions) {
    this.keys = poolKeys(options.prefix);
    this.loadKey = this.keys.load;
  }

  private meetingKey(meetingNumber: string): string {
    return this.keys.meeting(meetingNumber);
  }

  /** Adds users (ids) to the pool with no load; existing members keep theirs. */
  async add(userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.options.redis.zadd(this.loadKey, 'NX', ...userIds.flatMap((id) => [0, normalizeUser(id)]));
  }

  async remove(userId: string): Promise<void> {
    await this.options.redis.zrem(this.loadKey, normalizeUser(userId));
  }

  /** Pool users with the number of bots each serves now, least loaded first. */
  async members(): Promise<{ userId: string; load: number }[]> {
    const flat = await this.options.redis.zrange(this.loadKey, 0, -1, 'WITHSCORES');
    const out: { userId: string; load: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      out.push({ userId: flat[i] as string, load: Number(flat[i + 1]) });
    return out;
  }

  /**
   * Holds a user for `botId` in `meetingNumber`: `user` by name (id or email), or with `'pool'` the
   * least-loaded pool user not already in that meeting. Throws `ZoomUserBusyError` (409) when the
   * named user is already there for another bot, `PoolExhaustedError` when every pool user is.
   */
  async reserve(meetingNumber: string, botId: string, user: string | 'pool'): Promise<string> {
    const named = user === 'pool' ? '' : normalizeUser(user);
    if (named !== '') userPathSegment(named);
    const [ok, value] = (await evalScript(
      this.options.redis,
      RESERVE_SCRIPT,
      2,
      this.meetingKey(meetingNumber),
      this.loadKey,
      botId,
      named,
      this.options.meetingTtlMs ?? 48 * 3600 * 1000,
    )) as [number, string];
    if (ok === 1) return value;
    if (value === 'busy') {
      throw new ZoomUserBusyError(
        `Zoom user ${named} is already in meeting ${meetingNumber} for another bot`,
      );
    }
    throw new PoolExhaustedError(`Every pool user is already in meeting ${meetingNumber}`);
  }

  /** Frees whatever user `botId` holds in `meetingNumber`; returns it, or undefined if none. */
  async release(meetingNumber: string, botId: string): Promise<string | undefined> {
    const user = (await evalScript(
      this.options.redis,
      RELEASE_SCRIPT,
      2,
      this.meetingKey(meetingNumber),
      this.loadKey,
      botId,
    )) as string | null;
    return user ?? undefined;
  }

  /** user → botId for one meeting (for 409 checks and the dashboard). */
  async inMeeting(meetingNumber: string): Promise<Record<string, string>> {
    return this.options.redis.hgetall(this.meetingKey(meetingNumber));
  }
}

/** Zoom matches emails case-insensitively; ids are case-sensitive and left alone. */
function normalizeUser(user: string): string {
  const trimmed = user.trim();
  return trimmed.includes('@') ? trimmed.toLowerCase() : trimmed;
}
