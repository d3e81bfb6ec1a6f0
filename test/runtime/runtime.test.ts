import { describe, expect, it } from 'vitest';
import { PartNotStartedError, resource } from '../../runner/runtime/resource.js';
import { Runtime, StartAbortedError } from '../../runner/runtime/runtime.js';
import { captureLogger } from '../helpers/capture-logger.js';

/** A part that records what happens to it in `log`; `fail` makes its start or its cleanup throw. */
function recordingPart(log: string[], name: string, fail: { start?: boolean; close?: boolean } = {}) {
  return resource(name, async (defer) => {
    log.push(`start ${name}`);
    defer(`release ${name}`, () => {
      log.push(`close ${name}`);
      if (fail.close) throw new Error(`${name} would not close`);
    });
    if (fail.start) throw new Error(`${name} would not start`);
    return name.toUpperCase();
  });
}

describe('Runtime', () => {
  it('starts parts in order and closes them once, in reverse order', async () => {
    const log: string[] = [];
    const runtime = new Runtime('test', captureLogger().logger);
    const a = runtime.add(recordingPart(log, 'a'));
    runtime.add(recordingPart(log, 'b'));
    runtime.add(recordingPart(log, 'c'));
    await runtime.start();
    expect(a.value).toBe('A');
    expect(runtime.ready()).toBe(true);
    await Promise.all([runtime.close(), runtime.close()]);
    await runtime.close();
    expect(log).toEqual(['start a', 'start b', 'start c', 'close c', 'close b', 'close a']);
    expect(runtime.ready()).toBe(false);
  });

  it('unwinds a failed start: what started closes, the failing part releases what it had, later parts never start', async () => {
    const log: string[] = [];
    const runtime = new Runtime('test', captureLogger().logger);
    runtime.add(recordingPart(log, 'a'));
    runtime.add(recordingPart(log, 'b', { start: true }));
    runtime.add(recordingPart(log, 'c'));
    await expect(runtime.start()).rejects.toThrow('b would not start');
    expect(log).toEqual(['start a', 'start b', 'close b', 'close a']);
    await runtime.close();
    expect(log).toHaveLength(4);
  });

  it('a cleanup that throws is logged with its part and step, and never skips the others', async () => {
    const log: string[] = [];
    const { logger, lines } = captureLogger('info');
    const runtime = new Runtime('test', logger);
    runtime.add(recordingPart(log, 'a'));
    runtime.add(recordingPart(log, 'b', { close: true }));
    runtime.add(
      resource('c', (defer) => {
        defer('first', () => log.push('c first'));
        defer('second', () => {
          throw new Error('second failed');
        });
        defer('third', () => log.push('c third'));
        return undefined;
      }),
    );
    await runtime.start();
    await runtime.close();
    expect(log).toEqual(['start a', 'start b', 'c third', 'c first', 'close b', 'close a']);
    const failures = lines.map((line) => JSON.parse(line)).filter((l) => l.msg === 'shutdown step failed');
    expect(failures.map((f) => [f.part, f.step, f.err])).toEqual([
      ['c', 'second', 'second failed'],
      ['b', 'release b', 'b would not close'],
    ]);
  });

  it('a stop asked for during start-up lets the current part finish, starts no other, and closes what started', async () => {
    const log: string[] = [];
    const runtime = new Runtime('test', captureLogger().logger);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    runtime.add(recordingPart(log, 'a'));
    runtime.add(
      resource('slow', async (defer) => {
        log.push('start slow');
        defer('release slow', () => log.push('close slow'));
        await gate;
      }),
    );
    runtime.add(recordingPart(log, 'never'));
    const starting = runtime.start();
    await expect.poll(() => log).toContain('start slow');
    const closing = runtime.close();
    expect(runtime.stopping).toBe(true);
    release();
    await expect(starting).rejects.toBeInstanceOf(StartAbortedError);
    await closing;
    expect(log).toEqual(['start a', 'start slow', 'close slow', 'close a']);
  });

  it('is not ready until every part started, nor while a part refuses work', async () => {
    let accepting = false;
    const runtime = new Runtime('test', captureLogger().logger);
    runtime.add(resource('worker', { open: () => 'w', ready: () => accepting }));
    expect(runtime.ready()).toBe(false);
    await runtime.start();
    expect(runtime.ready()).toBe(false);
    accepting = true;
    expect(runtime.ready()).toBe(true);
    await runtime.close();
    expect(runtime.ready()).toBe(false);
  });

  it('a part read before it started names itself; parts cannot be added once started', async () => {
    const runtime = new Runtime('test', captureLogger().logger);
    const early = resource('redis', () => 1);
    expect(() => early.value).toThrow(PartNotStartedError);
    expect(() => early.value).toThrow("part 'redis' was used before it started");
    runtime.add(early);
    expect(() => runtime.add(resource('redis', () => 2))).toThrow("two parts named 'redis'");
    await runtime.start();
    expect(() => runtime.add(resource('late', () => 3))).toThrow(/added after/);
    await runtime.close();
  });
});
