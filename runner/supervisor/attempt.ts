import {
  classifyJoinRefusal,
  interpretConnectionChange,
  type JoinRefusalAction,
  type SignalAction,
} from '../../shared/sdk-signals.js';
import type { AttemptEnd, Departure, InboxItem } from './attempt-types.js';
import type { BotLifecycle } from './bot-lifecycle.js';
import type { Inbox } from './inbox.js';
import { Participants } from './participants.js';
import type { BotPageEvent, Clock, OurBots } from './ports.js';
import type { ResolvedSettings } from './supervisor-settings.js';

/** Bot-wide times and flags that outlive one page (a rejoin keeps the max-duration clock running). */
export interface BotTimers {
  /** The bot has been in the meeting at some point (this job, or before a resume). */
  everInMeeting: boolean;
  /** The max-duration clock: from an earlier run of the job when known, else this run's first `in_meeting`. */
  firstInMeetingAt: number | undefined;
  hostWaitSince: number | undefined;
  aloneSince: number | undefined;
}

export interface AttemptContext {
  botId: string;
  meetingNumber: string;
  lifecycle: BotLifecycle;
  inbox: Inbox<InboxItem>;
  clock: Clock;
  ourBots: OurBots;
  settings: ResolvedSettings;
  timers: BotTimers;
  /** A leave, handoff or abort asked for since the attempt began. */
  departure(): Departure | undefined;
  /** The bot is (back) in the meeting: budgets start afresh. */
  onInMeeting(): void;
}

interface Deadline {
  at: number;
  end: AttemptEnd;
}

/**
 * Follows one join attempt on one page, from `joining` until the attempt is over, by reading the page's
 * events through docs/contract.md §5 (`shared/sdk-signals.ts`) and watching the leave rules' clocks.
 */
export class AttemptFollower {
  private readonly startedAt: number;
  private readonly participants: Participants;
  private wasConnected = false;
  private inWaitingRoom = false;
  private waitingRoomSince: number | undefined;
  private reconnectingSince: number | undefined;

  constructor(
    private readonly c: AttemptContext,
    private readonly pageSeq: number,
  ) {
    this.startedAt = c.clock.now();
    this.participants = new Participants(c.botId, c.meetingNumber, c.ourBots);
  }

  async follow(): Promise<AttemptEnd> {
    for (;;) {
      const departure = this.c.departure();
      if (departure) return { kind: 'depart', departure };
      const now = this.c.clock.now();
      const deadlines = this.deadlines();
      // No clock running: Math.min() of nothing is Infinity, and the inbox waits for an event.
      const nextAt = Math.min(...deadlines.map((d) => d.at));
      // Queued events are handled before a due rule fires: they may change what is due.
      const item = await this.c.inbox.take(nextAt - now, this.c.clock);
      if (item === undefined) {
        const due = this.deadlines().find((d) => d.at <= this.c.clock.now());
        if (due) return due.end;
        continue;
      }
      if (item.type !== 'page' || item.pageSeq !== this.pageSeq) continue;
      const end = this.handle(item.event);
      if (end) return end;
    }
  }

  /** The clocks that apply in the current state, each with what happens when it runs out. */
  private deadlines(): Deadline[] {
    const s = this.c.settings;
    const t = this.c.timers;
    const state = this.c.lifecycle.state;
    const list: Deadline[] = [];
    const add = (since: number | undefined, ms: number | undefined, end: AttemptEnd) => {
      if (since !== undefined && ms !== undefined) list.push({ at: since + ms, end });
    };
    const leave = (reason: 'host_not_started_timeout' | 'waiting_room_timeout' | 'max_duration' | 'alone') =>
      ({ kind: 'depart', departure: { kind: 'end', reason } }) as const;
    if (state === 'joining') add(this.startedAt, s.joinTimeoutMs, { kind: 'retry', cause: 'join_timeout' });
    if (state === 'waiting_for_host')
      add(t.hostWaitSince, s.hostNotStartedMs, leave('host_not_started_timeout'));
    if (state === 'in_waiting_room')
      add(this.waitingRoomSince, s.waitingRoomMs, leave('waiting_room_timeout'));
    if (state === 'reconnecting') {
      add(this.reconnectingSince, s.reconnectGraceMs, { kind: 'retry', cause: 'reconnect_timeout' });
    }
    if (state === 'in_meeting') add(t.aloneSince, s.aloneMs, leave('alone'));
    add(t.firstInMeetingAt, s.maxDurationMs, leave('max_duration'));
    return list;
  }

  private handle(event: BotPageEvent): AttemptEnd | undefined {
    switch (event.type) {
      case 'connection-change':
        return this.onSignal(
          interpretConnectionChange(event.change, {
            wasConnected: this.wasConnected,
            inWaitingRoom: this.inWaitingRoom,
          }),
        );
      case 'join-result':
        // A refusal often arrives twice (a `Fail`, then join() rejecting): the first one ended the attempt.
        if (event.ok || this.wasConnected) return undefined;
        return this.onRefusal(
          event.errorCode,
          event.reason,
          classifyJoinRefusal(event.errorCode, event.reason),
        );
      case 'user-added':
      case 'user-removed':
      case 'user-updated':
        this.participants.apply(event);
        // The waiting room may show as `isHold` before (or instead of) `Reconnecting 'on hold'`.
        if (event.self?.isHold === true && this.c.lifecycle.state === 'joining') this.enterWaitingRoom();
        this.refreshAlone();
        return undefined;
      case 'crashed':
      case 'closed': {
        // Named apart from a network drop: a crash points at memory or Chromium, not at Zoom.
        const browserGone = event.type === 'crashed' && event.browserGone === true;
        const inMeetingCause = browserGone ? 'browser_crashed' : 'page_crashed';
        return {
          kind: 'retry',
          cause: this.wasConnected ? inMeetingCause : 'page_failed',
          detail: browserGone ? 'browser process gone' : `page ${event.type}`,
        };
      }
      case 'hung':
        return {
          kind: 'retry',
          cause: event.browserHung ? 'browser_hung' : 'page_hung',
          detail: event.message,
        };
      default:
        return undefined;
    }
  }

  private onSignal(action: SignalAction): AttemptEnd | undefined {
    switch (action.kind) {
      case 'in_meeting':
        this.enterMeeting();
        return undefined;
      case 'in_waiting_room':
        this.enterWaitingRoom();
        return undefined;
      case 'waiting_for_host':
        this.enterWaitingForHost();
        return undefined;
      case 'reconnecting':
        // Only a bot in the meeting reconnects; before that the join's own clocks apply.
        if (this.c.lifecycle.state === 'in_meeting') {
          this.reconnectingSince = this.c.clock.now();
          this.c.lifecycle.transition('reconnecting', { reason: 'failover' });
        }
        return undefined;
      case 'stay':
        return undefined;
      case 'drop':
        return { kind: 'retry', cause: this.wasConnected ? 'drop' : 'refused', detail: action.detail };
      case 'end':
        return { kind: 'ended', reason: action.reason, ...(action.detail ? { detail: action.detail } : {}) };
      case 'refused':
        return this.onRefusal(action.errorCode, action.detail, action.action);
    }
  }

  private onRefusal(
    code: number | undefined,
    reason: string | undefined,
    action: JoinRefusalAction,
  ): AttemptEnd | undefined {
    const about = { ...(code !== undefined ? { code } : {}), ...(reason ? { detail: reason } : {}) };
    switch (action.kind) {
      case 'wait_for_host':
        this.enterWaitingForHost();
        return undefined;
      case 'retry_obf':
        return { kind: 'retry', cause: 'authoriser_absent', ...about };
      case 'retry_fresh':
        return { kind: 'retry', cause: 'refused', ...about };
      case 'retry_then_end':
        return { kind: 'retry', cause: 'generic_refusal', ...about };
      case 'end':
        return { kind: 'ended', reason: 'join_refused', ...about };
    }
  }

  private enterMeeting(): void {
    const firstThisAttempt = !this.wasConnected;
    this.wasConnected = true;
    this.inWaitingRoom = false;
    this.reconnectingSince = undefined;
    const lifecycle = this.c.lifecycle;
    if (lifecycle.state === 'in_meeting') return;
    const t = this.c.timers;
    if (firstThisAttempt && t.everInMeeting) lifecycle.countRejoin();
    t.everInMeeting = true;
    t.firstInMeetingAt ??= this.c.clock.now();
    t.hostWaitSince = undefined;
    this.c.onInMeeting();
    lifecycle.transition('in_meeting');
    this.refreshAlone();
  }

  private enterWaitingRoom(): void {
    if (this.c.lifecycle.state === 'in_waiting_room') return;
    this.inWaitingRoom = true;
    this.waitingRoomSince = this.c.clock.now();
    this.c.lifecycle.transition('in_waiting_room', { reason: 'on hold' });
  }

  private enterWaitingForHost(): void {
    const lifecycle = this.c.lifecycle;
    if (lifecycle.state === 'waiting_for_host' || !lifecycle.can('waiting_for_host')) return;
    // Kept across tries: the wait for the host is bounded for the bot, not per page.
    this.c.timers.hostWaitSince ??= this.c.clock.now();
    lifecycle.transition('waiting_for_host', { reason: 'meeting not started' });
  }

  private refreshAlone(): void {
    if (this.c.lifecycle.state !== 'in_meeting') return;
    const t = this.c.timers;
    if (this.participants.isAlone()) t.aloneSince ??= this.c.clock.now();
    else t.aloneSince = undefined;
  }
}
