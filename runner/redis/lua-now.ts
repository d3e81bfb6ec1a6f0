/**
 * Lua that sets `now` to Redis's clock in milliseconds: the one clock every process shares, for
 * scripts that lease or expire things by time.
 */
export const LUA_NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
