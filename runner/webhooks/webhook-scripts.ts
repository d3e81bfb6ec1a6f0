/**
 * Lua of the webhook dispatcher. Moving stream entries into lanes is one script, so any number of
 * processes may run it at once: each entry lands in its lanes exactly once and in stream order,
 * which a consumer group read by several processes in parallel could not promise per bot.
 */

/**
 * KEYS: 1 events stream, 2 cursor, 3 active lanes set, 4 job sequence.
 * ARGV: 1 batch size, 2 WEBHOOK_URL or '', 3 key base (`<prefix>:webhook:`).
 * Returns {cursor, entries moved, {lane, jobId, ...} of lanes that now need a job}.
 *
 * A lane item is `{eventId, url, event}` where `event` is the stream's message, spliced in as text
 * (cjson would turn an empty array into `{}`).
 */
export const PUMP_SCRIPT = `
local cursor = redis.call('GET', KEYS[2]) or '0-0'
local entries = redis.call('XRANGE', KEYS[1], '(' .. cursor, '+', 'COUNT', tonumber(ARGV[1]))
local started = {}
for _, entry in ipairs(entries) do
  local fields = {}
  local kv = entry[2]
  for i = 1, #kv, 2 do fields[kv[i]] = kv[i + 1] end
  local targets = {}
  local url = fields.url or ''
  if url ~= '' and url ~= ARGV[2] then table.insert(targets, {'bot', url}) end
  if ARGV[2] ~= '' then table.insert(targets, {'all', ARGV[2]}) end
  for _, target in ipairs(targets) do
    local lane = target[1] .. ':' .. fields.id
    redis.call('RPUSH', ARGV[3] .. 'lane:' .. lane,
      '{"eventId":' .. cjson.encode(entry[1]) .. ',"url":' .. cjson.encode(target[2]) ..
      ',"event":' .. fields.event .. '}')
    local flag = ARGV[3] .. 'job:' .. lane
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
return {cursor, #entries, started}
`;

/**
 * KEYS: 1 lane, 2 its attempts counter. ARGV: 1 the head item as it was read.
 * Pops the head only if it is still that item (a stalled copy of the job may have popped it).
 */
export const POP_SCRIPT = `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then
  redis.call('LPOP', KEYS[1])
  redis.call('DEL', KEYS[2])
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
