/**
 * Lua of the meeting-event log. One script per batch: the sequence numbers, the capped log, the
 * attendance rows and the webhook entries of a batch go in together, and only while the writer still
 * holds the bot's job lock (like the bot view's writes, runner/queue/bot-store-scripts.ts).
 */

/**
 * KEYS: 1 the bot's log (stream), 2 its meta hash, 3 its attendance hash, 4 the bot job's BullMQ lock,
 * 5 the bot's view, 6 the bot-events stream (webhooks).
 * ARGV: 1 the writer's lock token or '' (unfenced), 2 log cap (MEETING_EVENTS_MAX), 3 batch JSON
 * `{events: [[type, json, hook]], people: [[id, row]], meta: [[field, value]]}` where `json` is the
 * event without its `seq` (`{"at":…,"type":…,"data":…}`) and `hook` 1 when the request asked for its
 * group as webhooks, 4 the appended channel, 5 bot id, 6 the bot's webhookUrl sealed or '' (with 9
 * its receiver origin: runner/queue/sealed-webhook-url.ts), 7 the recording
 * process's WEBHOOK_URL or '', 8 the bot-events stream cap.
 * Returns {'appended'|'fenced'|'missing', last seq given (0: none)}; 'missing': the bot's view is gone.
 *
 * The event JSON is spliced as text, never re-encoded: cjson would turn an empty list (a
 * `speaker.changed` to nobody) into `{}`. Stream ids are `<seq>-0`, so `XRANGE` pages by seq. Once
 * the bot has ended its view expires, and these keys are given the same time to live.
 */
export const APPEND_SCRIPT = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[1] then return {'fenced', 0} end
-- No view (expired, removed by hand): keys written now would never expire.
if redis.call('EXISTS', KEYS[5]) == 0 then return {'missing', 0} end
local batch = cjson.decode(ARGV[3])
local cap = tonumber(ARGV[2])
local hooked = ARGV[6] ~= '' or ARGV[7] ~= ''
local seq = 0
for _, ev in ipairs(batch.events) do
  seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
  local json = '{"seq":' .. seq .. ',' .. string.sub(ev[2], 2)
  redis.call('XADD', KEYS[1], 'MAXLEN', cap, seq .. '-0', 't', ev[1], 'e', json)
  if hooked and ev[3] == 1 then
    redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[8], '*', 'id', ARGV[5],
      'event', '{"id":' .. cjson.encode(ARGV[5]) .. ',"meeting":' .. json .. '}',
      'url', ARGV[6], 'global', ARGV[7], 'origin', ARGV[9])
  end
end
for _, row in ipairs(batch.people) do redis.call('HSET', KEYS[3], row[1], row[2]) end
for _, kv in ipairs(batch.meta) do redis.call('HSET', KEYS[2], kv[1], kv[2]) end
local ttl = redis.call('PTTL', KEYS[5])
if ttl > 0 then
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
if seq > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. seq) end
return {'appended', seq}
`;
