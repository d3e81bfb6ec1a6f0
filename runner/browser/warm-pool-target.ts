/**
 * How many pages a worker keeps warm (docs/contract.md §2, "Adaptive warm pool"). Never fewer than the
 * floor (WORKER_WARM_PAGES). Above it, as many as the busiest burst of page opens (a bot's join or
 * rejoin each) seen within `burstWindowMs` during the last `holdMs`: a worker that just took ten
 * joins at once expects the next ten. Once no burst that large has come for `holdMs`, one page less
 * every `shrinkEveryMs`, back to the floor. What lies above the floor is further bounded by the slots
 * still free for bots, by the memory gate and by WORKER_WARM_PAGES_MAX.
 *
 * Pure: time comes from `now`, and the bounds are numbers the pool reads at each call.
 */
export interface WarmPoolTargetOptions {
  /** WORKER_WARM_PAGES: kept whatever the demand, slots or memory (rejoins of held bots use them too). */
  floor: number;
  /** WORKER_WARM_PAGES_MAX: the most pages kept warm above the floor allows. Unset: no such cap. */
  max?: number | undefined;
  /** Opens this close together count as one burst. Default 10 000 ms. */
  burstWindowMs?: number;
  /** How long the pool stays sized for a burst after it. Default 300 000 ms (5 minutes). */
  holdMs?: number;
  /** After the hold, one surplus page less per this much time. Default 30 000 ms. */
  shrinkEveryMs?: number;
  now?: () => number;
}

export interface WarmPoolBounds {
  /** Bots the worker could still take: its slots less the bots that hold or are opening a page. */
  freeSlots: number;
  /** The most warm pages memory allows (`memoryPageBound`); Infinity without a memory gate. */
  memoryPages: number;
}

export const WARM_POOL_DEFAULTS = {
  burstWindowMs: 10_000,
  holdMs: 300_000,
  shrinkEveryMs: 30_000,
} as const;

/** A burst: `count` opens within one window, the last of them at `at`. */
interface Burst {
  count: number;
  at: number;
}

export class WarmPoolTarget {
  private readonly now: () => number;
  private readonly burstWindowMs: number;
  private readonly holdMs: number;
  private readonly shrinkEveryMs: number;
  /** Opens within the last burst window, oldest first. */
  private readonly recent: number[] = [];
  /**
   * The bursts that still count, oldest first. A newer burst at least as large as what is left of an
   * older one replaces it, so counts fall from oldest to newest and the list stays short.
   */
  private bursts: Burst[] = [];

  constructor(private readonly options: WarmPoolTargetOptions) {
    if (!Number.isInteger(options.floor) || options.floor < 0) {
      throw new RangeError(`floor must be a non-negative integer, not ${options.floor}`);
    }
    this.now = options.now ?? Date.now;
    this.burstWindowMs = options.burstWindowMs ?? WARM_POOL_DEFAULTS.burstWindowMs;
    this.holdMs = options.holdMs ?? WARM_POOL_DEFAULTS.holdMs;
    this.shrinkEveryMs = options.shrinkEveryMs ?? WARM_POOL_DEFAULTS.shrinkEveryMs;
  }

  get floor(): number {
    return this.options.floor;
  }

  /** A bot asked for a page (a join or a rejoin), warm or not. */
  recordOpen(): void {
    const now = this.now();
    while (this.recent.length > 0 && (this.recent[0] as number) <= now - this.burstWindowMs)
      this.recent.shift();
    this.recent.push(now);
    const count = this.recent.length;
    this.bursts = this.bursts.filter((burst) => this.left(burst, now) > count);
    this.bursts.push({ count, at: now });
  }

  /** Recent demand in pages: the largest burst, less what the idle time has taken off it. */
  demand(): number {
    const now = this.now();
    this.bursts = this.bursts.filter((burst) => this.left(burst, now) > 0);
    return this.bursts.reduce((most, burst) => Math.max(most, this.left(burst, now)), 0);
  }

  /** Pages to keep warm now: the floor, or the demand within the bounds if that is more. */
  target(bounds: WarmPoolBounds): number {
    const max = this.options.max ?? Number.POSITIVE_INFINITY;
    // The demand is finite, so `above` is too (negative when slots or memory are short).
    const above = Math.min(this.demand(), max, bounds.freeSlots, bounds.memoryPages);
    return Math.max(this.options.floor, Math.floor(above));
  }

  /** What a burst still asks for at `now`: all of it during the hold, then one less per shrink step. */
  private left(burst: Burst, now: number): number {
    const idle = now - burst.at;
    if (idle < this.holdMs) return burst.count;
    return Math.max(0, burst.count - 1 - Math.floor((idle - this.holdMs) / this.shrinkEveryMs));
  }
}

/**
 * The most warm pages memory allows: those warm now (their memory is already spent) plus as many more
 * as fit above the gate, keeping one page's worth spare, so warm pages never close the gate
 * (WORKER_MIN_FREE_MEMORY_MB) themselves and stop the worker taking the bots they are for. Below the
 * gate the bound falls under the pages warm now: the surplus is closed.
 */
export function memoryPageBound(input: {
  freeMb: number;
  minFreeMb: number;
  pageMb: number;
  warmNow: number;
}): number {
  return input.warmNow + Math.floor((input.freeMb - input.minFreeMb) / input.pageMb) - 1;
}
