import { RECEIVER_ORIGIN_LUA } from './receiver-origin.js';

/**
 * Lua of the webhook dispatcher. Moving stream entries into lanes is one script, so any number of
 * processes may run it at once: each entry lands in its lanes exactly once and in stream order,
 * which a consumer group read by several processes in parallel could not promise per bot.
 */

/**
 * KEYS: 1 events stream, 2 cursor, 3 active lanes set, 4 job sequence.
 * ARGV: 1 batch size, 2 key base (`<prefix>:webhook:`), 3 backlog cap per receiver origin.
 * Returns {cursor, entries moved, {lane, jobId, ...} of lanes that now need a job,
 * {origin, deliveries dropped, ...}}.
 *
 * An entry goes only to the destinations it names, fixed when it was recorded: `url` (the bot's
 * `webhookUrl`, sealed, with its `origin` beside it: runner/queue/sealed-webhook-url.ts) and
 * `global` (the recorder's WEBHOOK_URL); the pump's own settings play no part. A bot URL that is the
 * WEBHOOK_URL itself gets one delivery, on the `all` lane: its `bot` lane item carries `global`, and
 * the lane job skips it once it has opened the URL.
 *
 * Without a cursor (no dispatcher ever ran on this prefix) the cursor starts at the stream's last
 * entry and nothing is moved: a first start delivers what is recorded from then on, never the
 * history an older stream still holds.
 *
 * A lane item is `{origin, eventId, url, global?, event}` (`url` as the entry had it: a bot's sealed,
 * the WEBHOOK_URL clear) where `event` is the stream's message, spliced in
 * as text (cjson would turn an empty array into `{}`). Each item also gets an entry (its lane's name)
 * in its origin's backlog list; past the cap, the origin's oldest pending deliveries are dropped, so
 * a receiver that takes nothing holds at most the cap in Redis, and its newest events are the ones
 * waiting when it comes back.
 */
export const PUMP_SCRIPT = `
${RECEIVER_ORIGIN_LUA}
local base = ARGV[2]
local backlogMax = tonumber(ARGV[3])

-- Drops the oldest pending delivery to origin: the first item of that origin in the lane its
-- backlog names first (the lane's head, unless an 'all' lane's WEBHOOK_URL changed meanwhile).
local function dropOldest(origin)
  local lane = redis.call('LPOP', base .. 'backlog:' .. origin)
  if not lane then return 0 end
  local laneKey = base .. 'lane:' .. lane
  local marker = '{"origin":' .. cjson.encode(origin) .. ','
  local head = redis.call('LINDEX', laneKey, 0)
  if head and string.sub(head, 1, #marker) == marker then
    redis.call('LPOP', laneKey)
    -- The tries counted were the dropped head's.
    redis.call('DEL', base .. 'attempts:' .. lane)
    return 1
  end
  for _, item in ipairs(redis.call('LRANGE', laneKey, 1, -1)) do
    if string.sub(item, 1, #marker) == marker then
      redis.call('LREM', laneKey, 1, item)
      return 1
    end
  end
  return 0
end

local cursor = redis.call('GET', KEYS[2])
if not cursor then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  cursor = '0-0'
  if #last > 0 then cursor = last[1][1] end
  redis.call('SET', KEYS[2], cursor)
  return {cursor, 0, {}, {}}
end
local entries = redis.call('XRANGE', KEYS[1], '(' .. cursor, '+', 'COUNT', tonumber(ARGV[1]))
local started = {}
local dropped = {}
for _, entry in ipairs(entries) do
  local fields = {}
  local kv = entry[2]
  for i = 1, #kv, 2 do fields[kv[i]] = kv[i + 1] end
  local targets = {}
  local url = fields.url or ''
  -- Entries written before the stream carried destinations have no 'global' field: they count as
  -- having no global destination, so an old event is never sent to a WEBHOOK_URL set after it.
  local global = fields.global or ''
  local urlOrigin = fields.origin or ''
  if urlOrigin ~= '' and url ~= '' then
    -- Sealed, with its origin: whether it is also the WEBHOOK_URL is known only once opened, so the
    -- item carries the WEBHOOK_URL and the lane job sends it once.
    table.insert(targets, {'bot', url, urlOrigin, global})
  elseif url ~= '' and url ~= global then
    -- In clear (recorded before URLs were sealed).
    table.insert(targets, {'bot', url, originOf(url), ''})
  end
  if global ~= '' then table.insert(targets, {'all', global, originOf(global), ''}) end
  for _, target in ipairs(targets) do
    local lane = target[1] .. ':' .. fields.id
    local origin = target[3]
    redis.call('RPUSH', base .. 'lane:' .. lane,
      '{"origin":' .. cjson.encode(origin) .. ',"eventId":' .. cjson.encode(entry[1]) ..
      ',"url":' .. cjson.encode(target[2]) ..
      (target[4] ~= '' and (',"global":' .. cjson.encode(target[4])) or '') ..
      ',"event":' .. fields.event .. '}')
    local backlog = base .. 'backlog:' .. origin
    local pending = redis.call('RPUSH', backlog, lane)
    while pending > backlogMax do
      dropped[origin] = (dropped[origin] or 0) + dropOldest(origin)
      pending = pending - 1
    end
    local flag = base .. 'job:' .. lane
    if redis.call('EXISTS', flag) == 0 then
      local jobId = 'wh.' .. redis.call('INCR', KEYS[4])
      redis.call('SET', flag, jobId)
      redis.call('SADD', KEYS[3], lane)
      table.insert(started, lane)
      table.insert(started, jobId)
    end
  end
  cursor = entry[1]
end
if #entries > 0 then redis.call('SET', KEYS[2], cursor) end
local drops = {}
for origin, count in pairs(dropped) do
  if count > 0 then
    table.insert(drops, origin)
    table.insert(drops, count)
  end
end
return {cursor, #entries, started, drops}
`;

/**
 * KEYS: 1 lane, 2 its attempts counter, 3 the head's origin backlog. ARGV: 1 the head item as it
 * was read, 2 the lane's name when the item counts in that backlog (it names its origin), else ''.
 * Pops the head only if it is still that item (a stalled copy of the job may have popped it, or the
 * backlog cap dropped it). The lane's first entry in the backlog is its head's: items of one lane
 * and origin leave in the order they came.
 */
export const POP_SCRIPT = `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then
  redis.call('LPOP', KEYS[1])
  redis.call('DEL', KEYS[2])
  if ARGV[2] ~= '' then redis.call('LREM', KEYS[3], 1, ARGV[2]) end
  return 1
end
return 0
`;

/**
 * KEYS: 1 lane, 2 its job flag, 3 active lanes set. ARGV: 1 job id, 2 lane name.
 * Releases the lane when it is empty, in one step with the check, so an item pushed meanwhile
 * either is seen here (returns 0: keep going) or finds no flag and starts a new job.
 */
export const FINISH_SCRIPT = `
if redis.call('LLEN', KEYS[1]) > 0 then return 0 end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[2])
end
return 1
`;

/** KEYS: 1 active lanes set. ARGV: 1 key base. Returns {lane, jobId, ...} of every active lane. */
export const ACTIVE_LANES_SCRIPT = `
local out = {}
for _, lane in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local jobId = redis.call('GET', ARGV[1] .. 'job:' .. lane)
  if jobId then
    table.insert(out, lane)
    table.insert(out, jobId)
  else
    redis.call('SREM', KEYS[1], lane)
  end
end
return out
`;
