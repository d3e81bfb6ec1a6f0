import { createHash, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { evalScript } from '../../runner/redis/eval-script.js';
import { connectTestRedis } from '../../testkit/redis.js';

describe('evalScript', () => {
  const redis = connectTestRedis();
  afterAll(() => redis.disconnect());

  it('loads a script Redis does not know on first use, then runs it by its SHA-1', async () => {
    // A script no other test has loaded: Redis answers NOSCRIPT to its SHA first.
    const script = `-- ${randomUUID()}\nreturn {KEYS[1], ARGV[1]}`;
    const sha = createHash('sha1').update(script).digest('hex');
    expect(await redis.script('EXISTS', sha)).toEqual([0]);

    expect(await evalScript(redis, script, 1, 'a-key', 'an-arg')).toEqual(['a-key', 'an-arg']);
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
    expect(await evalScript(redis, script, 1, 'b-key', 7)).toEqual(['b-key', '7']);
  });

  it('passes on a script error as it is', async () => {
    await expect(evalScript(redis, `return redis.call('NOSUCHCOMMAND')`, 0)).rejects.toThrow(
      /Unknown Redis command/i,
    );
  });
});
