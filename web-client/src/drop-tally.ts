import type { DropKind } from '../../shared/meeting-event-bounds.js';

export interface DropCounts {
  dropped: Partial<Record<DropKind, number>>;
  truncated: number;
}

/** What the page left out of its meeting-event reports since the counts were last taken. */
export class DropTally {
  private dropped: Partial<Record<DropKind, number>> = {};
  private truncated = 0;

  drop(kind: DropKind, count = 1): void {
    this.dropped[kind] = (this.dropped[kind] ?? 0) + count;
  }

  truncate(): void {
    this.truncated += 1;
  }

  /** The counts so far, reset to zero; undefined when there is nothing to say. */
  take(): DropCounts | undefined {
    if (this.truncated === 0 && Object.keys(this.dropped).length === 0) return undefined;
    const counts = { dropped: this.dropped, truncated: this.truncated };
    this.dropped = {};
    this.truncated = 0;
    return counts;
  }
}
