/**
 * Lua for `BotStore`: each change to a bot is one script, so the view, its indexes, the dedupe and
 * same-user claims and the published event can never disagree, whichever processes race.
 *
 * A bot's record is JSON `{view, meta}`; `meta` holds what callers never see: `createdMs` (index
 * score), `dedupe` and `claim` (the Redis keys this bot holds, released when it ends), `wasIn`
 * (it has been in the meeting, so entering `rejoining` counts as a rejoin) and `firstInMeetingAt`
 * (ISO time of its first `in_meeting`, whichever worker ran it: where `max_duration` counts from).
 *
 * The scripts read keys named by stored data (claims, other bots' views), which Redis Cluster would
 * refuse; this runner targets a single Redis (or a primary with replicas), as BullMQ's docs advise
 * for queues without hash tags.
 */

import { UPDATE_FLEET_LUA } from './fleet-scripts.js';

/**
 * KEYS: 1 new bot's record, 2 all-bots index, 3 its state index, 4 events stream, 5 its tenant's
 * index, 6 its tenant's state index, 7 its tenant's live set.
 * ARGV: 1 id, 2 record JSON, 3 createdMs, 4 dedupe key or '', 5 claim key or '', 6 record key
 * prefix, 7 events channel, 8 event message, 9 stream cap (approximate MAXLEN), 10 the bot's webhook
 * URL sealed, or '' (runner/queue/sealed-webhook-url.ts), 11 the recording process's WEBHOOK_URL or ''
 * (stream field `global`, see `RECORD_SCRIPT`), 12 the tenant's live-bot limit or '' (none), 13 the
 * webhook URL's receiver origin or ''.
 * Returns {'created'|'duplicate'|'conflict'|'quota'|'exists', id or live count}: 'duplicate' and
 * 'conflict' name the live bot already holding the dedupe key or the Zoom user; 'quota' gives the
 * number of live bots the tenant holds. A duplicate is answered even at the limit: it adds no bot.
 */
export const CREATE_SCRIPT = `${UPDATE_FLEET_LUA}
local function isLive(id)
  local raw = redis.call('GET', ARGV[6] .. id)
  if not raw then return false end
  return cjson.decode(raw).view.state ~= 'ended'
end
if ARGV[4] ~= '' then
  local holder = redis.call('GET', ARGV[4])
  if holder and isLive(holder) then return {'duplicate', holder} end
end
if ARGV[5] ~= '' then
  local holder = redis.call('GET', ARGV[5])
  if holder and isLive(holder) then return {'conflict', holder} end
end
if ARGV[12] ~= '' then
  local limit = tonumber(ARGV[12])
  if redis.call('SCARD', KEYS[7]) >= limit then
    -- At the limit, and only then, members whose view is gone or ended are dropped first: a view
    -- deleted by hand must not hold a place for ever.
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[7])) do
      if not isLive(id) then redis.call('SREM', KEYS[7], id) end
    end
    local live = redis.call('SCARD', KEYS[7])
    if live >= limit then return {'quota', tostring(live)} end
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists', ARGV[1]} end
if ARGV[4] ~= '' then redis.call('SET', ARGV[4], ARGV[1]) end
if ARGV[5] ~= '' then redis.call('SET', ARGV[5], ARGV[1]) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
-- What the fleet page reads (fleet-scripts.ts), under the prefix of the index keys.
updateFleet(string.sub(KEYS[2], 1, -string.len('botindex:all') - 1), ARGV[1], nil, cjson.decode(ARGV[2]).view, nil)
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[3], ARGV[1])
redis.call('SADD', KEYS[7], ARGV[1])
redis.call('PUBLISH', ARGV[7], ARGV[8])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*', 'id', ARGV[1], 'event', ARGV[8], 'url', ARGV[10],
  'global', ARGV[11], 'origin', ARGV[13])
return {'created', ARGV[1]}
`;

/**
 * KEYS: 1 bot's record, 2 all-bots index, 3 its leave flag, 4 events stream, 5 the bot job's BullMQ
 * lock. ARGV: 1 id, 2 change JSON (a StateChange), 3 now ISO, 4 ended retention ms, 5 event limit,
 * 6 state index prefix, 7 events channel, 8 record key prefix, 9 stream cap (approximate MAXLEN),
 * 10 the writer's lock token or '' (an unfenced write: the API, the reconciler), 11 the recording
 * process's WEBHOOK_URL or '', 12 tenant key prefix (`<prefix>:tenant:`), 13 the default tenant,
 * 14 the meeting-event key head (`<prefix>:mevents:`, runner/meeting-events/meeting-event-keys.ts) or
 * '': an ended bot's meeting-event keys expire with its view.
 * Returns {'recorded'|'ignored'|'fenced'|'missing', view JSON or ''}.
 *
 * Ignored: anything after `ended` (a late message from a worker that lost the bot), and anything but
 * `ended` after `leaving` (a leave was asked for; the transition table allows nothing else).
 * Fenced: the writer's token is not the job's lock any more (its lock expired, another worker took
 * the bot): in the same script as the write, so no stale copy can slip in between check and write.
 *
 * The bot's tenant indexes and live set (`<tenant prefix><tenant>:botindex:all`,
 * `…:botindex:state:<state>`, `…:live`, as `queueKeys` names them) change with the global ones. A
 * view stored before tenants existed is given the default tenant and joins its indexes here, at its
 * first change.
 */
export const RECORD_SCRIPT = `${UPDATE_FLEET_LUA}
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing', ''} end
local rec = cjson.decode(raw)
local view = rec.view
if ARGV[10] ~= '' and redis.call('GET', KEYS[5]) ~= ARGV[10] then
  return {'fenced', cjson.encode(view)}
end
local old = view.state
local change = cjson.decode(ARGV[2])
if old == 'ended' or (old == 'leaving' and change.state ~= 'ended') then
  return {'ignored', cjson.encode(view)}
end
local now = ARGV[3]
local event = {at = now, state = change.state}
if change.reason then event.reason = change.reason
elseif change.state == 'ended' and change.endReason then event.reason = change.endReason end
if change.code ~= nil then event.code = change.code end
table.insert(view.events, event)
local limit = tonumber(ARGV[5])
while #view.events > limit do table.remove(view.events, 1) end
view.state = change.state
view.updatedAt = now
if change.state == 'in_meeting' then
  rec.meta.wasIn = true
  -- The max-duration clock of every later run (handoff, takeover, rejoin) counts from here. A record
  -- from before this field takes its first \`in_meeting\` event, while the view still holds it.
  if not rec.meta.firstInMeetingAt then
    local first = now
    for _, e in ipairs(view.events) do
      if e.state == 'in_meeting' then first = e.at break end
    end
    rec.meta.firstInMeetingAt = first
  end
end
if change.attempts ~= nil then view.attempts = change.attempts
elseif change.state == 'joining' then view.attempts = view.attempts + 1 end
if change.rejoins ~= nil then view.rejoins = change.rejoins
elseif change.state == 'rejoining' and rec.meta.wasIn then view.rejoins = view.rejoins + 1 end
redis.call('ZREM', ARGV[6] .. old, ARGV[1])
redis.call('ZADD', ARGV[6] .. change.state, rec.meta.createdMs, ARGV[1])
-- What the fleet page reads (fleet-scripts.ts), under the prefix of the index keys.
local fleetReason = change.reason
if change.state == 'ended' then fleetReason = change.endReason or 'internal_error' end
updateFleet(string.sub(ARGV[6], 1, -string.len('botindex:state:') - 1), ARGV[1], old, view, fleetReason)
local legacy = not view.tenant
if legacy then view.tenant = ARGV[13] end
local tenant = ARGV[12] .. view.tenant .. ':'
if legacy then
  redis.call('ZADD', tenant .. 'botindex:all', rec.meta.createdMs, ARGV[1])
  redis.call('SADD', tenant .. 'live', ARGV[1])
end
redis.call('ZREM', tenant .. 'botindex:state:' .. old, ARGV[1])
redis.call('ZADD', tenant .. 'botindex:state:' .. change.state, rec.meta.createdMs, ARGV[1])
if change.state == 'ended' then redis.call('SREM', tenant .. 'live', ARGV[1]) end
if change.state == 'ended' then
  view.endReason = change.endReason or 'internal_error'
  if change.code ~= nil then view.endCode = change.code end
  if change.endDetail then view.endDetail = change.endDetail end
  for _, field in ipairs({'dedupe', 'claim'}) do
    local key = rec.meta[field]
    if key and redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
  end
  redis.call('SET', KEYS[1], cjson.encode(rec), 'PX', ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  if ARGV[14] and ARGV[14] ~= '' then
    for _, suffix in ipairs({'', ':meta', ':people'}) do
      redis.call('PEXPIRE', ARGV[14] .. ARGV[1] .. suffix, ARGV[4])
    end
  end
  -- Ended views expire; their index entries go here, a few of the oldest per ended bot, so the
  -- indexes shrink as fast as bots end even when nobody lists.
  for _, id in ipairs(redis.call('ZRANGE', ARGV[6] .. 'ended', 0, 9)) do
    if redis.call('EXISTS', ARGV[8] .. id) == 0 then
      redis.call('ZREM', KEYS[2], id)
      redis.call('ZREM', ARGV[6] .. 'ended', id)
    end
  end
  -- The same for this bot's tenant, whose ends keep its own indexes short.
  for _, id in ipairs(redis.call('ZRANGE', tenant .. 'botindex:state:ended', 0, 9)) do
    if redis.call('EXISTS', ARGV[8] .. id) == 0 then
      redis.call('ZREM', tenant .. 'botindex:all', id)
      redis.call('ZREM', tenant .. 'botindex:state:ended', id)
    end
  end
else
  redis.call('SET', KEYS[1], cjson.encode(rec))
end
local encoded = cjson.encode(view)
local message = cjson.encode({id = ARGV[1], state = change.state, at = now, view = view})
redis.call('PUBLISH', ARGV[7], message)
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*', 'id', ARGV[1], 'event', message, 'url', rec.meta.webhookUrl or '',
  'global', ARGV[11], 'origin', rec.meta.webhookOrigin or '')
return {'recorded', encoded}
`;
