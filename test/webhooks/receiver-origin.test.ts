import { afterAll, describe, expect, it } from 'vitest';
import { RECEIVER_ORIGIN_LUA, receiverOrigin } from '../../runner/webhooks/receiver-origin.js';
import { connectTestRedis } from '../../testkit/redis.js';

const redis = connectTestRedis();
afterAll(() => redis.quit());

const cases: [url: string, origin: string][] = [
  ['https://hooks.example.com/zbr?token=abc', 'https://hooks.example.com'],
  ['HTTPS://Hooks.Example.COM:443/x', 'https://hooks.example.com'],
  ['http://127.0.0.1:80/a', 'http://127.0.0.1'],
  ['http://127.0.0.1:8080/a#frag', 'http://127.0.0.1:8080'],
  ['https://user:pa55word@hooks.example.com:8443/p', 'https://hooks.example.com:8443'],
  ['https://hooks.example.com:4430/p', 'https://hooks.example.com:4430'],
  ['https://[::1]:9000/p', 'https://[::1]:9000'],
  ['https://hooks.example.com\\secret-path?q=1', 'https://hooks.example.com'],
  ['not a url', 'invalid'],
];

describe('receiver origin (the group of a webhook URL, and all of it that is logged)', () => {
  it.each(cases)('%s → %s, the same in TypeScript and in the pump’s Lua', async (url, origin) => {
    expect(receiverOrigin(url)).toBe(origin);
    const lua = await redis.eval(`${RECEIVER_ORIGIN_LUA}\nreturn originOf(ARGV[1])`, 0, url);
    expect(lua).toBe(origin);
  });
});
