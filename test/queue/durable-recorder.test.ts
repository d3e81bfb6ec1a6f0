import { describe, expect, it } from 'vitest';
import { DurableRecorder } from '../../runner/queue/durable-recorder.js';
import type { BotRecorder, RecordFence, StateChange } from '../../runner/supervisor/ports.js';
import { captureLogger } from '../helpers/capture-logger.js';

/** A store that fails its first `failures` calls the way ioredis does while Redis is away. */
function flakyStore(failures: number, error: () => Error = () => new Error('Connection is closed.')) {
  const stored: { botId: string; state: string; fence?: RecordFence | undefined }[] = [];
  let calls = 0;
  const store: BotRecorder = {
    async record(botId: string, change: StateChange, fence?: RecordFence) {
      calls += 1;
      if (calls <= failures) throw error();
      stored.push({ botId, state: change.state, fence });
    },
  };
  return { store, stored, calls: () => calls };
}

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('DurableRecorder: state changes are retried until stored, never dropped', () => {
  it('retries a change that failed on a Redis error, in order per bot, with the fence passed on', async () => {
    const { store, stored } = flakyStore(3);
    const { logger, lines } = captureLogger('info');
    const recorder = new DurableRecorder(store, { logger, retryBaseMs: 5, retryMaxMs: 20 });
    const fence = { lockToken: 'tok' };
    await Promise.all([
      recorder.record('a', { state: 'minting' }, fence),
      recorder.record('a', { state: 'joining' }, fence),
      recorder.record('b', { state: 'minting' }),
    ]);
    expect(stored.filter((s) => s.botId === 'a').map((s) => s.state)).toEqual(['minting', 'joining']);
    expect(stored.find((s) => s.botId === 'a')?.fence).toEqual(fence);
    expect(stored.map((s) => s.botId).sort()).toEqual(['a', 'a', 'b']);
    expect(recorder.backlog).toBe(0);
    expect(lines.join('')).toContain('could not store a state change; retrying');
  });

  it('lets its caller go on after its patience and stores the change later, the next ones behind it', async () => {
    let down = true;
    const stored: string[] = [];
    const store: BotRecorder = {
      async record(_botId, change) {
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        stored.push(change.state);
      },
    };
    const { logger } = captureLogger('warn');
    const recorder = new DurableRecorder(store, { logger, patienceMs: 50, retryBaseMs: 5, retryMaxMs: 10 });
    const startedAt = Date.now();
    await recorder.record('a', { state: 'in_meeting' });
    expect(Date.now() - startedAt).toBeLessThan(500);
    // The bot's later change does not wait a second patience: it queues behind the first.
    const second = Date.now();
    await recorder.record('a', { state: 'ended', endReason: 'ended_by_host' });
    expect(Date.now() - second).toBeLessThan(40);
    expect(recorder.backlog).toBe(2);
    down = false;
    await expect.poll(() => stored).toEqual(['in_meeting', 'ended']);
    expect(recorder.backlog).toBe(0);
  });

  it('passes on at once an error a retry cannot cure', async () => {
    const { store, calls } = flakyStore(1, () =>
      replyError('ERR user_script:1: Script attempted to access nil'),
    );
    const { logger } = captureLogger('warn');
    const recorder = new DurableRecorder(store, { logger, retryBaseMs: 5 });
    await expect(recorder.record('a', { state: 'minting' })).rejects.toThrow('Script attempted');
    expect(calls()).toBe(1);
    // A transient reply (Redis loading its dump) is retried.
    const loading = flakyStore(2, () => replyError('LOADING Redis is loading the dataset in memory'));
    await new DurableRecorder(loading.store, { logger, retryBaseMs: 5 }).record('a', { state: 'minting' });
    expect(loading.stored).toHaveLength(1);
  });

  it('close gives the backlog a grace, then stops retrying and logs what was lost', async () => {
    const { store } = flakyStore(Number.POSITIVE_INFINITY);
    const { logger, lines } = captureLogger('warn');
    const recorder = new DurableRecorder(store, { logger, patienceMs: 20, retryBaseMs: 5, retryMaxMs: 10 });
    await recorder.record('a', { state: 'in_meeting' });
    const closing = Date.now();
    await recorder.close(100);
    expect(Date.now() - closing).toBeLessThan(1_000);
    expect(recorder.backlog).toBe(0);
    expect(lines.join('')).toContain('state change lost');
  });
});
