import { afterAll, describe, expect, it } from 'vitest';
import { OurBotsDirectory } from '../../runner/worker/our-bots-directory.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';

const redis = connectTestRedis();
const prefix = uniquePrefix();

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('our bots, fleet-wide', () => {
  it('recognises bots added by another worker, by bot id or by display name', async () => {
    const workerA = new OurBotsDirectory(redis, prefix);
    const workerB = new OurBotsDirectory(redis, prefix);
    await workerA.add('81234567890', 'bot-a', 'Recorder A');
    await workerB.refresh('81234567890');
    expect(workerB.isOurs('81234567890', { userId: 1, userName: 'Someone', customerKey: 'bot-a' })).toBe(
      true,
    );
    expect(workerB.isOurs('81234567890', { userId: 2, userName: 'Recorder A' })).toBe(true);
    expect(workerB.isOurs('81234567890', { userId: 3, userName: 'Alice' })).toBe(false);
    // A human who happens to share a bot's name is still a human when Zoom shows the customerKey.
    expect(workerB.isOurs('81234567890', { userId: 4, userName: 'Recorder A', customerKey: 'other' })).toBe(
      false,
    );
    // Other meetings are separate.
    await workerB.refresh('89999999999');
    expect(workerB.isOurs('89999999999', { userId: 5, userName: 'Recorder A' })).toBe(false);
  });

  it('forgets a bot once it is removed', async () => {
    const directory = new OurBotsDirectory(redis, prefix);
    await directory.add('81111111111', 'bot-x', 'X');
    expect(directory.isOurs('81111111111', { userId: 1, userName: 'X' })).toBe(true);
    await directory.remove('81111111111', 'bot-x');
    expect(directory.isOurs('81111111111', { userId: 1, userName: 'X' })).toBe(false);
  });
});
