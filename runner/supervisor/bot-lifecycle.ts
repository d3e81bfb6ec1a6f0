import { type BotState, canTransition } from '../../shared/bot-states.js';
import type { EndReason } from '../../shared/end-reasons.js';
import type { Logger } from '../log/logger.js';
import type { BotRecorder, StateChange } from './ports.js';

/** A move the transition table (`shared/bot-states.ts`) does not allow: a bug in the supervisor. */
export class IllegalTransitionError extends Error {
  readonly code = 'illegal_transition';
  constructor(
    readonly from: BotState,
    readonly to: BotState,
  ) {
    super(`illegal bot transition ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** What a transition tells the bot view besides the new state. Never a token, signature or passcode. */
export interface TransitionDetail {
  reason?: string;
  code?: string | number;
  endReason?: EndReason;
  endDetail?: string;
}

export interface LifecycleCounters {
  attempts: number;
  rejoins: number;
}

/**
 * One bot's state, in one private field, changed only by `transition`. The new state is taken at once
 * (before the caller's side effect), and the record is queued behind the earlier ones so the bot's
 * events stay in order. `logger` is expected to carry the bot id (a pino child). Recording never blocks the bot: during a Redis outage the supervisor must keep
 * following the meeting, so a failed record is logged and the state in memory stays authoritative.
 */
export class BotLifecycle {
  #state: BotState;
  #attempts: number;
  #rejoins: number;
  #recording: Promise<void> = Promise.resolve();

  constructor(
    private readonly botId: string,
    private readonly recorder: BotRecorder,
    private readonly logger: Logger,
    initial: BotState,
    counters: LifecycleCounters = { attempts: 0, rejoins: 0 },
  ) {
    this.#state = initial;
    this.#attempts = counters.attempts;
    this.#rejoins = counters.rejoins;
  }

  get state(): BotState {
    return this.#state;
  }

  get attempts(): number {
    return this.#attempts;
  }

  get rejoins(): number {
    return this.#rejoins;
  }

  can(to: BotState): boolean {
    return canTransition(this.#state, to);
  }

  /** Counts a join attempt; the next transition carries the new count. */
  countAttempt(): void {
    this.#attempts += 1;
  }

  /** Counts a return to the meeting after having been in it; the next transition carries it. */
  countRejoin(): void {
    this.#rejoins += 1;
  }

  transition(to: BotState, detail: TransitionDetail = {}): void {
    const from = this.#state;
    if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
    this.#state = to;
    const change: StateChange = { state: to, ...detail, attempts: this.#attempts, rejoins: this.#rejoins };
    this.logger.info(
      { from, to, reason: detail.reason, code: detail.code, endReason: detail.endReason },
      'bot state',
    );
    this.#recording = this.#recording.then(() =>
      this.recorder.record(this.botId, change).catch((error: unknown) => {
        this.logger.warn(
          { state: to, err: error instanceof Error ? error.message : String(error) },
          'could not record a bot state change',
        );
      }),
    );
  }

  /** Resolves once every transition so far has been handed to the recorder. */
  flush(): Promise<void> {
    return this.#recording;
  }
}
