import type { Redis } from 'ioredis';
import { evalScript } from '../redis/eval-script.js';
import { LUA_NOW_MS } from '../redis/lua-now.js';
import type { WebhookKeys } from './webhook-keys.js';

/**
 * Lua shared by the scripts below (KEYS: 1 the origin's slots, 2 its waiting lanes): Redis's clock, and
 * handing the free slots to the longest waiting lanes, each leased until `now + lease`.
 */
const NOW_AND_HAND_OUT = `${LUA_NOW_MS}
local function handOut(limit, lease)
  local handed = {}
  local free = limit - redis.call('ZCARD', KEYS[1])
  while free > 0 do
    local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    if not first then break end
    redis.call('ZREM', KEYS[2], first)
    redis.call('ZADD', KEYS[1], now + lease, first)
    free = free - 1
    table.insert(handed, first)
  end
  return handed
end
`;

/**
 * KEYS: 1 the origin's slots, 2 its waiting lanes.
 * ARGV: 1 holder (a lane job id), 2 slots per origin, 3 lease ms, 4 how long an idle waiting set lives.
 * Returns {1 if the holder has a slot now, {holders handed a slot, to wake}}.
 *
 * A holder already given a slot (handed over while it was parked) keeps it. Otherwise it queues
 * behind the lanes already waiting, and free slots go to the longest waiting first, itself
 * included: a lane that just delivered does not jump ahead of lanes parked for that origin.
 * Leases end slots whose process died mid-delivery (time from Redis, the one clock all share).
 */
const ACQUIRE_SCRIPT = `${NOW_AND_HAND_OUT}
local holder, limit, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], holder) then
  redis.call('ZADD', KEYS[1], now + lease, holder)
  redis.call('PEXPIRE', KEYS[1], lease)
  return {1, {}}
end
redis.call('ZADD', KEYS[2], 'NX', now, holder)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]))
local granted = 0
local woken = {}
for _, first in ipairs(handOut(limit, lease)) do
  if first == holder then granted = 1 else table.insert(woken, first) end
end
if redis.call('ZCARD', KEYS[1]) > 0 then redis.call('PEXPIRE', KEYS[1], lease) end
return {granted, woken}
`;

/**
 * KEYS: 1 the origin's slots, 2 its waiting lanes. ARGV: 1 holder, 2 slots per origin, 3 lease ms.
 * Frees the holder's slot and hands free slots to the longest waiting lanes; returns those to wake.
 */
const RELEASE_SCRIPT = `${NOW_AND_HAND_OUT}
local limit, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local woken = handOut(limit, lease)
if #woken > 0 then redis.call('PEXPIRE', KEYS[1], lease) end
return woken
`;

/** KEYS: 1 the origin's slots. ARGV: 1 holder. 1 when the holder has a slot whose lease runs. */
const HOLDS_SCRIPT = `
${LUA_NOW_MS}
local leaseEnd = redis.call('ZSCORE', KEYS[1], ARGV[1])
if leaseEnd and tonumber(leaseEnd) > now then return 1 end
return 0
`;

export interface OriginSlotsOptions {
  redis: Redis;
  keys: WebhookKeys;
  /** Deliveries in flight to one origin, fleet-wide. */
  perOrigin: number;
  /** Longest a slot is held without being released: the longest delivery, with room to spare. */
  leaseMs: number;
  /** How long a waiting set outlives its last use (parked lanes re-register at least this often). */
  waitingTtlMs: number;
  /**
   * Starts the parked lane job `holder` now, as it was handed a slot. `false` when no such job
   * exists any more: its slot is then handed on.
   */
  wake(holder: string): Promise<boolean>;
}

/**
 * A fleet-wide limit of webhook deliveries in flight per receiver origin, so a receiver that never
 * answers ties up at most `perOrigin` delivery slots of the whole fleet (each for a POST's timeout)
 * and every other receiver's events keep flowing. Lanes that find no free slot park (their BullMQ
 * job delayed) and are woken, longest waiting first, as slots free up.
 */
export class OriginSlots {
  constructor(private readonly options: OriginSlotsOptions) {}

  /** true: `holder` may deliver to `origin` now and must `release` afterwards; false: it is queued. */
  async acquire(origin: string, holder: string): Promise<boolean> {
    const { redis, keys } = this.options;
    const [granted, woken] = (await evalScript(
      redis,
      ACQUIRE_SCRIPT,
      2,
      keys.originSlots(origin),
      keys.originWaiting(origin),
      holder,
      this.options.perOrigin,
      this.options.leaseMs,
      this.options.waitingTtlMs,
    )) as [number, string[]];
    await this.wakeAll(origin, woken);
    return granted === 1;
  }

  /** Frees `holder`'s slot (if it has one) and wakes the lanes that get a slot through it. */
  async release(origin: string, holder: string): Promise<void> {
    let pending = [holder];
    // A woken holder that no longer exists (its lane emptied, its job finished) hands its slot on.
    while (pending.length > 0) {
      const next: string[] = [];
      for (const gone of pending) {
        const woken = (await evalScript(
          this.options.redis,
          RELEASE_SCRIPT,
          2,
          this.options.keys.originSlots(origin),
          this.options.keys.originWaiting(origin),
          gone,
          this.options.perOrigin,
          this.options.leaseMs,
        )) as string[];
        next.push(...(await this.unreachable(woken)));
      }
      pending = next;
    }
  }

  /** Whether `holder` was handed a slot of `origin` (checked by a lane after it parked). */
  async holds(origin: string, holder: string): Promise<boolean> {
    return (
      (await evalScript(
        this.options.redis,
        HOLDS_SCRIPT,
        1,
        this.options.keys.originSlots(origin),
        holder,
      )) === 1
    );
  }

  private async wakeAll(origin: string, woken: readonly string[]): Promise<void> {
    for (const gone of await this.unreachable(woken)) await this.release(origin, gone);
  }

  /** Wakes each holder; returns those that no longer exist. */
  private async unreachable(holders: readonly string[]): Promise<string[]> {
    const gone: string[] = [];
    for (const holder of holders) if (!(await this.options.wake(holder))) gone.push(holder);
    return gone;
  }
}
