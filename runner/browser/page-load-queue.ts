import { availableParallelism } from 'node:os';

/** A bot waiting for its page goes before a page being warmed ahead of demand. */
export type LoadPriority = 'bot' | 'warm';

export interface PageLoadQueueOptions {
  /** Loads running at once. Default: the machine's CPU count, at least 2. */
  concurrency?: number;
  /**
   * A load holds its turn at most this long, then the next one starts anyway: a load that hangs
   * (up to the page-ready and SDK-init timeouts) must not hold up the bots queued behind it. Default
   * 1 000 ms (a sim page loads and initialises in about 0.3 s on a quiet 2-core machine).
   */
  turnCapMs?: number;
}

export interface QueuedLoad {
  /** Leaves the queue; false once the load has started (it then runs to its end). */
  cancel(): boolean;
}

interface Entry {
  priority: LoadPriority;
  start: (done: () => void) => void;
}

/**
 * The order in which a pool loads its pages. Loading a page and initialising the SDK is mostly CPU
 * (script parsing and compiling in the renderer); ten at once on two cores all finish after about
 * 2 s, while a few at a time in turn finish one after another, so most bots in a burst get their
 * page sooner. Bots' pages go first: a page warmed for the next burst never slows one a bot waits for.
 */
export class PageLoadQueue {
  private readonly concurrency: number;
  private readonly turnCapMs: number;
  private readonly queue: Entry[] = [];
  private running = 0;

  constructor(options: PageLoadQueueOptions = {}) {
    this.concurrency = options.concurrency ?? Math.max(2, availableParallelism());
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, not ${this.concurrency}`);
    }
    this.turnCapMs = options.turnCapMs ?? 1_000;
  }

  /**
   * Queues a load; `start` is called when its turn comes (at once, within this call, if there is
   * room), with `done` to call when the load ended, however it ended. Calling `done` again is harmless.
   * `start` must not throw: it starts the load and reports through `done`.
   */
  enter(priority: LoadPriority, start: (done: () => void) => void): QueuedLoad {
    const entry: Entry = { priority, start };
    // After the last entry of the same or a higher priority: bots in arrival order, then warm-ups.
    const before = priority === 'bot' ? this.queue.findIndex((e) => e.priority === 'warm') : -1;
    if (before < 0) this.queue.push(entry);
    else this.queue.splice(before, 0, entry);
    this.pump();
    return {
      cancel: () => {
        const index = this.queue.indexOf(entry);
        if (index < 0) return false;
        this.queue.splice(index, 1);
        return true;
      },
    };
  }

  /** Loads waiting for a turn, by priority. */
  waiting(priority: LoadPriority): number {
    return this.queue.filter((e) => e.priority === priority).length;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const entry = this.queue.shift() as Entry;
      this.running++;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearTimeout(cap);
        this.running--;
        this.pump();
      };
      // The turn ends at the cap even if the load has not: it then runs on without one.
      const cap = setTimeout(end, this.turnCapMs);
      cap.unref();
      entry.start(end);
    }
  }
}
