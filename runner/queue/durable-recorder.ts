import { waitAtMost } from '../lifecycle/wait-at-most.js';
import type { Logger } from '../log/logger.js';
import { isTransientRedisError } from '../redis/transient-error.js';
import type { BotRecorder, RecordFence, StateChange } from '../supervisor/ports.js';

/** A change could not be stored before the process stopped retrying (it is shutting down). */
export class RecordNotStoredError extends Error {
  readonly code = 'record_not_stored';
  constructor(
    readonly botId: string,
    readonly state: string,
    cause: unknown,
  ) {
    super(`state change ${state} of bot ${botId} was not stored before shutdown`, { cause });
    this.name = 'RecordNotStoredError';
  }
}

export interface DurableRecorderOptions {
  logger: Logger;
  /**
   * How long `record` keeps its caller waiting for a change that does not go through (default 5 s).
   * After that the caller carries on and the change is retried behind its back: a supervisor must
   * keep following its meeting (and finish) while Redis is away.
   */
  patienceMs?: number;
  /** First retry delay (default 250 ms), doubling up to `retryMaxMs` (default 5 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

interface Lane {
  /** The last change queued for this bot; never rejects, so the next one always runs. */
  tail: Promise<void>;
  queued: number;
  /** A change of this lane outwaited its caller: later callers are not kept waiting too. */
  overdue: boolean;
}

/**
 * Records that are never dropped for a Redis error: each state change is retried with backoff until
 * stored, in order per bot (a bot's later changes queue behind its earlier ones), and no caller is
 * kept waiting longer than `patienceMs`. Errors that a retry cannot cure (a script or parse error)
 * are passed on at once. A write that the store fences off (the bot has another owner) is not an
 * error and so is not retried.
 *
 * At least once: a reply lost on a broken connection after the write went through makes the retry
 * record the change twice (an extra event; webhooks are at-least-once anyway). The counters travel
 * in the change itself, so they do not drift.
 */
export class DurableRecorder implements BotRecorder {
  private readonly lanes = new Map<string, Lane>();
  private readonly sleepers = new Set<() => void>();
  private readonly patienceMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private closed = false;

  constructor(
    private readonly inner: BotRecorder,
    private readonly options: DurableRecorderOptions,
  ) {
    this.patienceMs = options.patienceMs ?? 5_000;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
  }

  /** Changes queued or being retried, all bots together. */
  get backlog(): number {
    let total = 0;
    for (const lane of this.lanes.values()) total += lane.queued;
    return total;
  }

  record(botId: string, change: StateChange, fence?: RecordFence): Promise<void> {
    if (this.closed) return this.inner.record(botId, change, fence);
    let lane = this.lanes.get(botId);
    if (!lane) {
      lane = { tail: Promise.resolve(), queued: 0, overdue: false };
      this.lanes.set(botId, lane);
    }
    const own = lane;
    own.queued += 1;
    let callerGone = own.overdue;
    const stored = own.tail.then(() => this.storeUntilDone(botId, change, fence));
    own.tail = stored.then(
      () => undefined,
      (error: unknown) => {
        // Passed to the caller when it still waits; otherwise only the log will tell.
        if (callerGone) this.logLost(botId, change, error);
      },
    );
    void own.tail.finally(() => {
      own.queued -= 1;
      if (own.queued === 0 && this.lanes.get(botId) === own) this.lanes.delete(botId);
    });
    if (callerGone) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        callerGone = true;
        own.overdue = true;
        this.options.logger.warn(
          { botId, state: change.state },
          'state change not stored yet; retrying it in the background',
        );
        resolve();
      }, this.patienceMs);
      timer.unref();
    });
    return Promise.race([stored, patience]).finally(() => clearTimeout(timer));
  }

  private async storeUntilDone(botId: string, change: StateChange, fence?: RecordFence): Promise<void> {
    for (let retry = 0; ; retry++) {
      try {
        await this.inner.record(botId, change, fence);
        if (retry > 0) this.options.logger.info({ botId, state: change.state, retry }, 'state change stored');
        return;
      } catch (error) {
        if (!isTransientRedisError(error)) throw error;
        if (this.closed) throw new RecordNotStoredError(botId, change.state, error);
        if (retry % 10 === 0) {
          this.options.logger.warn(
            {
              botId,
              state: change.state,
              retry,
              err: error instanceof Error ? error.message : String(error),
            },
            'could not store a state change; retrying',
          );
        }
        await this.sleep(Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(retry, 20)));
      }
    }
  }

  private logLost(botId: string, change: StateChange, error: unknown): void {
    this.options.logger.error(
      { botId, state: change.state, err: error instanceof Error ? error.message : String(error) },
      'state change lost',
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.sleepers.add(done);
    });
  }

  /** Resolves once every change handed over for `botId` so far is stored (or given up). */
  settled(botId: string): Promise<void> {
    return this.lanes.get(botId)?.tail ?? Promise.resolve();
  }

  /**
   * At shutdown, after the bots stopped: gives the backlog up to `graceMs` to go through, then stops
   * retrying (what is left is logged as lost; the reconciler ends a bot left live without a job).
   * Later records get one try each. Idempotent.
   */
  async close(graceMs = 2_000): Promise<void> {
    const drained = Promise.all([...this.lanes.values()].map((lane) => lane.tail));
    await waitAtMost(drained, graceMs);
    this.closed = true;
    for (const wake of [...this.sleepers]) wake();
    await waitAtMost(Promise.all([...this.lanes.values()].map((lane) => lane.tail)), graceMs);
  }
}
