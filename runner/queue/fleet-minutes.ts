/**
 * Per-minute counters of the whole fleet, kept by the store's scripts in the same script as each
 * change (so they cannot disagree with the views), read by the fleet page (`/admin/fleet`).
 *
 * One hash per minute, `<prefix>:fleet:minute:<unix minute>`, fields:
 * - `d:<state>`: net change of the number of bots in `state` during that minute (+1 in, −1 out);
 *   with today's count (the state index's ZCARD) this gives the count at the end of every minute of
 *   the last hour, without storing snapshots or a sampler process;
 * - `end:<reason>`: bots ended, by end reason;
 * - `rejoin:<reason>`: bots gone to `rejoining`, by why (`drop`, `page_crashed`, `lock_lost`…).
 *
 * Cheaper than the alternatives: the events stream is capped at 10 000 entries (less than an hour
 * at fleet size) and reading an hour of it per request would be slow; a sampler would need a lease
 * and would miss short-lived states. Here each change costs three or four HINCRBYs, and a request
 * reads 60 small hashes.
 */

/** A minute's hash lives two hours: the page reads the last 60 minutes, with room for clock skew. */
export const FLEET_MINUTE_TTL_SEC = 2 * 3600;

/** Minutes the fleet page shows. */
export const FLEET_HISTORY_MINUTES = 60;

export function fleetMinuteKey(prefix: string, unixMinute: number): string {
  return `${prefix}:fleet:minute:${unixMinute}`;
}

export const fleetMinuteField = {
  delta: (state: string) => `d:${state}`,
  end: (reason: string) => `end:${reason}`,
  rejoin: (reason: string) => `rejoin:${reason}`,
} as const;

/**
 * Lua defining `countFleetChange(appPrefix, old, new, reason)`: `appPrefix` is `<prefix>:`, `old`
 * is nil for a new bot, `reason` is the end reason for `ended` and the rejoin reason for
 * `rejoining`. The minute comes from Redis' own clock (TIME), so every process counts into the same
 * minute whatever its clock, and the scripts need no extra argument. Reasons that are not a short
 * label (`[a-z0-9_]`, 32 at most) count as `other`, so a hash never grows with free text.
 */
export const COUNT_FLEET_CHANGE_LUA = `
local function fleetReasonLabel(reason)
  if type(reason) == 'string' and #reason <= 32 and string.match(reason, '^[a-z0-9_]+$') then
    return reason
  end
  return 'other'
end
local function countFleetChange(appPrefix, old, new, reason)
  local key = appPrefix .. 'fleet:minute:' .. math.floor(tonumber(redis.call('TIME')[1]) / 60)
  if old ~= new then
    if old then redis.call('HINCRBY', key, 'd:' .. old, -1) end
    redis.call('HINCRBY', key, 'd:' .. new, 1)
  end
  if new == 'ended' then
    redis.call('HINCRBY', key, 'end:' .. fleetReasonLabel(reason), 1)
  elseif new == 'rejoining' then
    redis.call('HINCRBY', key, 'rejoin:' .. fleetReasonLabel(reason), 1)
  end
  redis.call('EXPIRE', key, ${FLEET_MINUTE_TTL_SEC})
end
`;
