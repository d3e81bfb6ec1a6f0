import type { EmbeddedClient } from '@zoom/meetingsdk/embedded';
import type { PageChatRequest, PageMeetingEventInput, PageMessage } from '../../shared/bridge.js';
import {
  CHAT_REQUEST_ID_MAX,
  CHAT_TEXT_MAX,
  clamp,
  type DropKind,
  EVENTS_PER_REPORT_MAX,
  stripTextControls,
} from '../../shared/meeting-event-bounds.js';
import { CaptionLines } from './caption-lines.js';
import { DropTally } from './drop-tally.js';
import { EventBudget, type PAGE_EVENT_RATES } from './event-budget.js';
import { LatestSlot } from './latest-slot.js';
import { describeFailure } from './report.js';
import { MeetingRoster } from './roster.js';
import { captionLine, chatReceived, participantIdOf, recordingState, speakerIds } from './sdk-payloads.js';

/**
 * docs/contract.md §11 on the page: the SDK events a bot listens to for its meeting events, and
 * nothing else. A contract test checks that the real-SDK page registers exactly these (plus
 * `connection-change`, which drives the bot's state).
 */
export const MEETING_SDK_EVENTS = [
  'user-added',
  'user-removed',
  'user-updated',
  'active-speaker',
  'chat-on-message',
  'caption-message',
  'recording-change',
] as const;
export type MeetingSdkEvent = (typeof MEETING_SDK_EVENTS)[number];

/** The part of the SDK client this module uses; `on` and `sendChat` keep the SDK's own signatures. */
export type MeetingEventsClient = Pick<typeof EmbeddedClient, 'on' | 'getCurrentUser' | 'sendChat'>;

/** Events are gathered this long before a report: one CDP call carries a burst, at little latency. */
export const FLUSH_MS = 25;
/** How often the page calls `tick()`: settles captions and waiting speaker or recording changes. */
export const TICK_MS = 250;
/** Drop counts go out at most this often. */
const DROPS_EVERY_MS = 1_000;

type BudgetKind = keyof typeof PAGE_EVENT_RATES;

/**
 * Turns the SDK's meeting events into bounded `meeting-events` reports: participants through the
 * roster, chat and captions cut and cleaned, speaker and recording changes only when they change, each
 * kind within its rate (event-budget.ts); what is left out is counted and reported as
 * `meeting-events-dropped`. No listener lets an exception reach the SDK's emitter.
 */
export class MeetingEventFeed {
  private readonly tally = new DropTally();
  private readonly budget: EventBudget;
  private readonly roster: MeetingRoster;
  private readonly captions: CaptionLines;
  private readonly speakers = new LatestSlot();
  private readonly recording = new LatestSlot();
  private queue: PageMeetingEventInput[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private dropsReportedAt: number;

  constructor(
    private readonly client: MeetingEventsClient,
    private readonly send: (message: PageMessage) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.budget = new EventBudget(now);
    this.roster = new MeetingRoster(() => this.selfId(), this.tally);
    this.captions = new CaptionLines(now);
    this.dropsReportedAt = now();
  }

  /** Registers one listener per event of `MEETING_SDK_EVENTS`; answers the names registered. */
  listen(): readonly MeetingSdkEvent[] {
    // One call per event, not a loop: `on` is overloaded per name, so each is checked against the SDK.
    this.client.on('user-added', (payload) => this.guard(() => this.users(this.roster.added(payload))));
    this.client.on('user-removed', (payload) => this.guard(() => this.users(this.roster.removed(payload))));
    this.client.on('user-updated', (payload) => this.guard(() => this.users(this.roster.updated(payload))));
    this.client.on('active-speaker', (payload) => this.guard(() => this.activeSpeakers(payload)));
    this.client.on('chat-on-message', (payload) => this.guard(() => this.chat(payload)));
    this.client.on('caption-message', (payload) => this.guard(() => this.caption(payload)));
    this.client.on('recording-change', (payload) => this.guard(() => this.recordingChange(payload)));
    return MEETING_SDK_EVENTS;
  }

  /** A new join: nobody is known yet (the SDK lists everyone present again with `user-added`). */
  reset(): void {
    this.flush();
    this.roster.clear();
    this.captions.clear();
    this.speakers.clear();
    this.recording.clear();
  }

  /** Every `TICK_MS`: reports what waited for its time, and the drop counts once a second. */
  tick(): void {
    this.enqueue(this.captions.settle(), 'caption');
    const mayReport = (kind: BudgetKind) => () => this.budget.take(kind);
    const speakers = this.speakers.drain(mayReport('speaker'));
    if (speakers) this.queue.push(speakers);
    const recording = this.recording.drain(mayReport('recording'));
    if (recording) this.queue.push(recording);
    this.flush();
    if (this.now() - this.dropsReportedAt >= DROPS_EVERY_MS) {
      this.dropsReportedAt = this.now();
      const counts = this.tally.take();
      if (counts) this.send({ type: 'meeting-events-dropped', ...counts });
    }
  }

  /**
   * The runner's `sendChat {text, to?}`, through the SDK's `sendChat(text, userId?)`. On success a
   * `chat.sent` event is reported, then `chat-result`; on failure only `chat-result`.
   */
  async sendChat(request: PageChatRequest): Promise<void> {
    const requestId = String(request?.requestId ?? '').slice(0, CHAT_REQUEST_ID_MAX) || 'unknown';
    const { text } = clamp(String(request?.text ?? ''), CHAT_TEXT_MAX, stripTextControls);
    const to = request?.to === undefined ? undefined : participantIdOf(request.to);
    if (text === '' || (request?.to !== undefined && to === undefined)) {
      this.send({
        type: 'chat-result',
        requestId,
        ok: false,
        reason: 'text must be 1–1024 characters, to a participant id',
      });
      return;
    }
    try {
      const sent = await this.client.sendChat(text, to);
      // The SDK's typings allow an `Error` as the resolved value.
      if (sent instanceof Error) throw sent;
      this.queue.push({ type: 'chat.sent', data: { to: to ?? 'everyone', text } });
      this.flush();
      this.send({ type: 'chat-result', requestId, ok: true });
    } catch (error) {
      this.send({ type: 'chat-result', requestId, ok: false, ...describeFailure(error) });
    }
  }

  /** Sends what is queued now, in reports of at most `EVENTS_PER_REPORT_MAX` events. */
  flush(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const events = this.queue;
    this.queue = [];
    for (let i = 0; i < events.length; i += EVENTS_PER_REPORT_MAX) {
      this.send({ type: 'meeting-events', events: events.slice(i, i + EVENTS_PER_REPORT_MAX) });
    }
  }

  private selfId(): number | undefined {
    return participantIdOf(this.client.getCurrentUser()?.userId);
  }

  private users(events: PageMeetingEventInput[]): void {
    this.enqueue(events, 'participant');
  }

  private chat(payload: unknown): void {
    const event = chatReceived(payload, this.selfId(), this.tally);
    if (event) this.enqueue([event], 'chat');
  }

  private caption(payload: unknown): void {
    const line = captionLine(payload, this.tally);
    if (line) this.enqueue(this.captions.push(line), 'caption');
  }

  private activeSpeakers(payload: unknown): void {
    const ids = speakerIds(payload, this.tally);
    if (!ids) return;
    const key = [...ids].sort((a, b) => a - b).join(',');
    this.offerLatest(this.speakers, 'speaker', key, {
      type: 'speaker.changed',
      data: { participantIds: ids },
    });
  }

  private recordingChange(payload: unknown): void {
    const state = recordingState(payload, this.tally);
    if (state)
      this.offerLatest(this.recording, 'recording', state, { type: 'recording.changed', data: { state } });
  }

  private offerLatest(slot: LatestSlot, kind: BudgetKind, key: string, event: PageMeetingEventInput): void {
    const offered = slot.offer(key, event, () => this.budget.take(kind));
    if (offered.superseded > 0) this.tally.drop(kind, offered.superseded);
    if (offered.event) this.enqueue([offered.event]);
  }

  /** Queues events that the budget of `kind` allows (all of them without a kind), and counts the rest. */
  private enqueue(events: PageMeetingEventInput[], kind?: DropKind & BudgetKind): void {
    for (const event of events) {
      if (kind && !this.budget.take(kind)) this.tally.drop(kind);
      else this.queue.push(event);
    }
    if (this.queue.length >= EVENTS_PER_REPORT_MAX) this.flush();
    else if (this.queue.length > 0 && this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
    }
  }

  /** A payload that breaks a mapper is dropped and counted; the SDK's emitter never sees the throw. */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch {
      this.tally.drop('malformed');
    }
  }
}
