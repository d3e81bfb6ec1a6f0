import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LoadPriority, PageLoadQueue } from '../../runner/browser/page-load-queue.js';

/** Loads that record when they start and end only when the test says so. */
function loads(queue: PageLoadQueue) {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const enter = (name: string, priority: LoadPriority) =>
    queue.enter(priority, (done) => {
      started.push(name);
      finish.set(name, done);
    });
  const end = (name: string) => {
    const done = finish.get(name);
    if (!done) throw new Error(`${name} has not started`);
    done();
  };
  return { started, enter, end };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('page load queue', () => {
  it('runs at most `concurrency` loads at once; the next starts as one ends', () => {
    const { started, enter, end } = loads(new PageLoadQueue({ concurrency: 2 }));
    for (const name of ['a', 'b', 'c', 'd']) enter(name, 'bot');
    expect(started).toEqual(['a', 'b']);
    end('b');
    expect(started).toEqual(['a', 'b', 'c']);
    end('a');
    end('c');
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it("puts bots' pages before pages warmed ahead, bots in arrival order", () => {
    const queue = new PageLoadQueue({ concurrency: 1 });
    const { started, enter, end } = loads(queue);
    enter('warm-1', 'warm');
    enter('warm-2', 'warm');
    enter('bot-1', 'bot');
    enter('warm-3', 'warm');
    enter('bot-2', 'bot');
    expect(queue.waiting('bot')).toBe(2);
    expect(queue.waiting('warm')).toBe(2);
    for (const name of ['warm-1', 'bot-1', 'bot-2', 'warm-2']) end(name);
    expect(started).toEqual(['warm-1', 'bot-1', 'bot-2', 'warm-2', 'warm-3']);
  });

  it('a cancelled load never starts; one already started cannot be cancelled', () => {
    const { started, enter, end } = loads(new PageLoadQueue({ concurrency: 1 }));
    const first = enter('a', 'bot');
    const second = enter('b', 'warm');
    enter('c', 'warm');
    expect(second.cancel()).toBe(true);
    expect(second.cancel()).toBe(false);
    expect(first.cancel()).toBe(false);
    end('a');
    expect(started).toEqual(['a', 'c']);
  });

  it('a load that takes too long gives up its turn: the bots behind it are not held up', () => {
    vi.useFakeTimers();
    const { started, enter } = loads(new PageLoadQueue({ concurrency: 1, turnCapMs: 1_000 }));
    enter('hung', 'bot');
    enter('next', 'bot');
    vi.advanceTimersByTime(999);
    expect(started).toEqual(['hung']);
    vi.advanceTimersByTime(1);
    expect(started).toEqual(['hung', 'next']);
  });

  it('a load reporting its end twice (or after its cap) frees one turn, not two', () => {
    vi.useFakeTimers();
    const { started, enter, end } = loads(new PageLoadQueue({ concurrency: 1, turnCapMs: 1_000 }));
    enter('a', 'bot');
    enter('b', 'bot');
    enter('c', 'bot');
    vi.advanceTimersByTime(1_000);
    expect(started).toEqual(['a', 'b']);
    end('a');
    end('a');
    expect(started).toEqual(['a', 'b']);
    end('b');
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('refuses a concurrency that is not a positive whole number', () => {
    expect(() => new PageLoadQueue({ concurrency: 0 })).toThrow(RangeError);
  });
});
