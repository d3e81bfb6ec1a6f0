import type { BotState } from '../../shared/bot-states.js';
import type { BotRecorder, RecordFence, StateChange } from '../supervisor/ports.js';
import type { RunnerMetrics } from './runner-metrics.js';

interface TrackedBot {
  state: BotState;
  rejoins: number;
  /** Been in the meeting while held by this process (or resumed from it). */
  everIn: boolean;
  /** First `minting` of a bot that has not been in the meeting yet: start of the join latency. */
  mintingAt?: number;
  /** When the bot lost the meeting (left in_meeting for reconnecting/rejoining): start of the gap. */
  lostAt?: number;
}

/** States that mean the meeting was lost, not left on purpose. */
const LOSS_STATES: ReadonlySet<BotState> = new Set(['reconnecting', 'rejoining']);

/**
 * The `BotRecorder` a worker hands its supervisors: updates this process's metrics from each state
 * change, then delegates to the real recorder (the `BotStore`). The metrics update never throws and
 * never waits, so it cannot slow or fail a bot.
 *
 * Measured in this process only: after a handoff, the new worker's rejoin gap starts when it takes
 * the bot (the old worker's share is not known to it), and its join latency is not observed.
 */
export class RecordingRecorder implements BotRecorder {
  private readonly bots = new Map<string, TrackedBot>();

  constructor(
    private readonly inner: BotRecorder,
    private readonly metrics: RunnerMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  record(botId: string, change: StateChange, fence?: RecordFence): Promise<void> {
    this.observe(botId, change);
    return this.inner.record(botId, change, fence);
  }

  settled(botId: string): Promise<void> {
    return this.inner.settled?.(botId) ?? Promise.resolve();
  }

  /** The bot left this process without ending (handoff, lost lock): stop counting it here. */
  forget(botId: string): void {
    const bot = this.bots.get(botId);
    if (!bot) return;
    this.metrics.botsByState.dec({ state: bot.state });
    this.bots.delete(botId);
  }

  private observe(botId: string, change: StateChange): void {
    const { metrics } = this;
    const at = this.now();
    const previous = this.bots.get(botId);
    if (previous) metrics.botsByState.dec({ state: previous.state });
    if (change.state === 'ended') {
      metrics.ends.inc({ reason: change.endReason ?? 'unknown' });
      this.bots.delete(botId);
      return;
    }
    metrics.botsByState.inc({ state: change.state });
    if (change.state === 'rejoining') metrics.rejoinReasons.inc({ reason: reasonLabel(change.reason) });
    const bot: TrackedBot = previous ?? this.firstSeen(change, at);
    if (previous) {
      if (previous.state === 'in_meeting' && LOSS_STATES.has(change.state)) bot.lostAt = at;
      if (change.state === 'minting' && !bot.everIn) bot.mintingAt ??= at;
    }
    if (change.state === 'in_meeting') {
      if (!bot.everIn && bot.mintingAt !== undefined)
        metrics.joinSeconds.observe((at - bot.mintingAt) / 1000);
      if (bot.lostAt !== undefined) metrics.rejoinGapSeconds.observe((at - bot.lostAt) / 1000);
      bot.lostAt = undefined;
      bot.everIn = true;
      const rejoins = change.rejoins ?? bot.rejoins;
      if (rejoins > bot.rejoins) metrics.rejoins.inc(rejoins - bot.rejoins);
    }
    if (change.rejoins !== undefined) bot.rejoins = change.rejoins;
    bot.state = change.state;
    this.bots.set(botId, bot);
  }

  /**
   * A bot new to this process: fresh (`minting` from the queue) or resumed from another worker
   * (`rejoining`, or a count of rejoins already made), in which case it had been in the meeting.
   */
  private firstSeen(change: StateChange, at: number): TrackedBot {
    const rejoins = change.rejoins ?? 0;
    const resumedFromMeeting = change.state === 'rejoining' || rejoins > 0;
    return {
      state: change.state,
      // Rejoins made before this process took the bot were counted where they happened.
      rejoins,
      everIn: resumedFromMeeting,
      ...(resumedFromMeeting ? { lostAt: at } : {}),
      ...(change.state === 'minting' ? { mintingAt: at } : {}),
    };
  }
}

/** Rejoin reasons are the supervisor's and the worker's own words; anything else is one label, never free text. */
function reasonLabel(reason: string | undefined): string {
  return reason !== undefined && /^[a-z_]{1,32}$/.test(reason) ? reason : 'other';
}
