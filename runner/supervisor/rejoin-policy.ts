import type { EndReason } from '../../shared/end-reasons.js';
import { GENERIC_CODE, GENERIC_REFUSAL_RETRIES } from '../../shared/sdk-signals.js';
import type { AttemptEnd } from './attempt-types.js';
import type { MintError } from './ports.js';

export type RetryDecision =
  | { kind: 'end'; reason: EndReason; code?: number; detail?: string }
  /**
   * Try again after `ms`. `rejoining`: the bot shows `rejoining` meanwhile; `stay`: it keeps its state
   * (waiting for an OBF authoriser is still "joining").
   */
  | { kind: 'wait'; ms: number; show: 'rejoining' | 'stay'; reason: string; code?: number };

export interface RejoinSettings {
  rejoinMax: number;
  rejoinBackoffMs: number;
  maxBackoffMs: number;
  obfRetryMs: number;
  /** `undefined`: wait for the authoriser without a bound. */
  authoriserAbsentMs: number | undefined;
}

type RetryEnd = Extract<AttemptEnd, { kind: 'retry' }>;

/**
 * docs/contract.md §5's retry rules, in one place. After a drop: rejoin at once on a fresh token, then back off
 * exponentially (capped), up to `rejoin.max` consecutive tries that fail to get back in (`rejoin_limit`).
 * A join refused before the bot was ever in uses the same budget and ends `join_refused` with the code.
 * Zoom's generic 200 is retried twice; 4017 is retried every few seconds within `authoriserAbsentSec`.
 */
export class RejoinPolicy {
  /** Tries started since the bot was last in the meeting (or since the job started). */
  #tries = 0;
  #genericRefusals = 0;
  #authoriserAbsentSince: number | undefined;

  constructor(private readonly s: RejoinSettings) {}

  /** The bot is in the meeting: every budget starts afresh, and the next drop rejoins at once. */
  reset(): void {
    this.#tries = 0;
    this.#genericRefusals = 0;
    this.#authoriserAbsentSince = undefined;
  }

  /** True while retries are waiting for an OBF authoriser. */
  get awaitingAuthoriser(): boolean {
    return this.#authoriserAbsentSince !== undefined;
  }

  afterAttempt(end: RetryEnd, everInMeeting: boolean, now: number): RetryDecision {
    const about = {
      ...(end.code !== undefined ? { code: end.code } : {}),
      ...(end.detail !== undefined ? { detail: end.detail } : {}),
    };
    if (end.cause === 'authoriser_absent') {
      this.#authoriserAbsentSince ??= now;
      const left =
        (this.s.authoriserAbsentMs ?? Number.POSITIVE_INFINITY) - (now - this.#authoriserAbsentSince);
      if (left <= 0) return { kind: 'end', reason: 'authoriser_absent_timeout', ...about };
      return {
        kind: 'wait',
        ms: Math.min(this.s.obfRetryMs, left),
        show: 'stay',
        reason: end.cause,
        ...about,
      };
    }
    if (end.cause === 'generic_refusal') {
      this.#genericRefusals += 1;
      if (this.#genericRefusals > GENERIC_REFUSAL_RETRIES) {
        return { kind: 'end', reason: 'join_refused', ...about, code: end.code ?? GENERIC_CODE };
      }
      return { kind: 'wait', ms: this.s.rejoinBackoffMs, show: 'rejoining', reason: end.cause, ...about };
    }
    const ms = this.nextDelay();
    if (ms !== undefined) {
      const code = end.code !== undefined ? { code: end.code } : {};
      return { kind: 'wait', ms, show: 'rejoining', reason: end.cause, ...code };
    }
    if (everInMeeting)
      return { kind: 'end', reason: 'rejoin_limit', ...about, detail: end.detail ?? end.cause };
    if (end.code !== undefined) return { kind: 'end', reason: 'join_refused', ...about };
    return { kind: 'end', reason: 'internal_error', detail: end.detail ?? end.cause };
  }

  /** Minting failed with a typed mint error: `auth_failed` with its code, after retries if it may pass. */
  afterMintError(error: MintError): RetryDecision {
    const ms = error.retryable ? this.nextDelay() : undefined;
    if (ms === undefined) return { kind: 'end', reason: 'auth_failed', detail: error.code };
    return { kind: 'wait', ms, show: 'rejoining', reason: error.code };
  }

  /** The wait before the next counted try, or `undefined` when `rejoin.max` tries are spent. */
  private nextDelay(): number | undefined {
    if (this.#tries >= this.s.rejoinMax) return undefined;
    const ms =
      this.#tries === 0 ? 0 : Math.min(this.s.maxBackoffMs, this.s.rejoinBackoffMs * 2 ** (this.#tries - 1));
    this.#tries += 1;
    return ms;
  }
}
