/**
 * Contract §5: after a drop, rejoin at once on a fresh token, then back off exponentially, up to
 * `rejoin.max` consecutive tries that fail to get back in. A join refused before the bot was ever in
 * the meeting uses the same budget.
 */
export class RejoinPolicy {
  /** Tries started since the bot was last in the meeting (or since the job started). */
  #tries = 0;

  constructor(
    private readonly max: number,
    private readonly backoffMs: number,
    private readonly maxBackoffMs: number,
  ) {}

  /** The bot is in the meeting: the next drop starts a fresh budget and rejoins at once. */
  reset(): void {
    this.#tries = 0;
  }

  /** How long to wait before the next try, or `exhausted` when the budget is spent. */
  next(): number | 'exhausted' {
    if (this.#tries >= this.max) return 'exhausted';
    const delay =
      this.#tries === 0 ? 0 : Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (this.#tries - 1));
    this.#tries += 1;
    return delay;
  }
}
