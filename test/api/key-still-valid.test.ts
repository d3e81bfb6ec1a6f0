import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchKeyStillValid } from '../../runner/api/key-still-valid.js';

/** A key store whose `exists` answers what the test says, counting the reads. */
function fakeKeys(answer: () => Promise<boolean>) {
  const reads: string[] = [];
  return {
    reads,
    exists: (id: string) => {
      reads.push(id);
      return answer();
    },
  };
}

describe('watchKeyStillValid', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads nothing for API_KEYS keys and trusted callers: they cannot be revoked at run time', async () => {
    vi.useFakeTimers();
    const keys = fakeKeys(async () => false);
    const onRevoked = vi.fn();
    const watches = [
      watchKeyStillValid({ keyId: 'env-0123456789ab' }, keys, { onRevoked }),
      watchKeyStillValid({ keyId: undefined }, keys, { onRevoked }),
    ];
    await vi.advanceTimersByTimeAsync(10_000);
    expect(keys.reads).toEqual([]);
    expect(onRevoked).not.toHaveBeenCalled();
    for (const watch of watches) expect(watch.revoked).toBe(false);
  });

  it('reads a key in Redis once a second, and reports its revocation once', async () => {
    vi.useFakeTimers();
    let present = true;
    const keys = fakeKeys(async () => present);
    const onRevoked = vi.fn();
    const watch = watchKeyStillValid({ keyId: 'key-0123456789abcdef' }, keys, { onRevoked });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(keys.reads).toEqual(Array(5).fill('key-0123456789abcdef'));
    expect(watch.revoked).toBe(false);
    present = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onRevoked).toHaveBeenCalledTimes(1);
    expect(watch.revoked).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(keys.reads).toHaveLength(6);
    expect(onRevoked).toHaveBeenCalledTimes(1);
  });

  it('counts a Redis error as still valid and lets the next check decide', async () => {
    vi.useFakeTimers();
    let answer: () => Promise<boolean> = () => Promise.reject(new Error('Connection is closed.'));
    const keys = fakeKeys(() => answer());
    const onRevoked = vi.fn();
    const watch = watchKeyStillValid({ keyId: 'key-0123456789abcdef' }, keys, { onRevoked });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(keys.reads).toHaveLength(3);
    expect(onRevoked).not.toHaveBeenCalled();
    expect(watch.revoked).toBe(false);
    answer = async () => false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onRevoked).toHaveBeenCalledTimes(1);
  });

  it('never has two reads in flight for one stream, however slow Redis is', async () => {
    vi.useFakeTimers();
    const keys = fakeKeys(() => new Promise((resolve) => setTimeout(() => resolve(true), 3_500)));
    watchKeyStillValid({ keyId: 'key-0123456789abcdef' }, keys, { onRevoked: () => {} });
    // Reads start at 1 s, 5.5 s (1 + 3.5 + 1) and 10 s.
    await vi.advanceTimersByTimeAsync(10_500);
    expect(keys.reads).toHaveLength(3);
  });

  it('stops reading once stopped, even with a read in flight', async () => {
    vi.useFakeTimers();
    const keys = fakeKeys(() => new Promise((resolve) => setTimeout(() => resolve(false), 500)));
    const onRevoked = vi.fn();
    const watch = watchKeyStillValid({ keyId: 'key-0123456789abcdef' }, keys, { onRevoked });
    await vi.advanceTimersByTimeAsync(1_200);
    watch.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(keys.reads).toHaveLength(1);
    expect(onRevoked).not.toHaveBeenCalled();
    expect(watch.revoked).toBe(false);
  });
});
