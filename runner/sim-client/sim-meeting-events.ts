import type { PageMeetingEventInput } from '../../shared/bridge.js';
import {
  CAPTION_TEXT_MAX,
  CHAT_TEXT_MAX,
  clamp,
  clampName,
  EVENTS_PER_REPORT_MAX,
  SPEAKERS_MAX,
  stripTextControls,
} from '../../shared/meeting-event-bounds.js';
import type { ParticipantRole, RecordingState } from '../../shared/meeting-events.js';
import type { SdkCaption, SdkChatMessage, SdkParticipant, ServerMessage } from '../../zoom-sim/protocol.js';

/**
 * What the bot page's meeting-event feed (web-client/src/meeting-events.ts) reports, for the zoom-sim
 * protocol's typed messages, in Node: the sim-client driver's `meeting-events` reports. The same rules
 * as the page: a participant on hold is not in the meeting, `participant.updated` only for a new name
 * or role, the bot's own chat is not `chat.received`, interim captions once (done, or quiet for
 * 1.5 s), speaker and recording changes only when the value changes. No rate budgets: the sim is the
 * test rig, and the runner's own bounds are what a flood through this driver exercises.
 */

/** As the page: events gathered this long before a report. */
const FLUSH_MS = 25;
/** As the page's `CAPTION_SETTLE_MS`: an interim line quiet this long is reported as it stands. */
const CAPTION_SETTLE_MS = 1_500;
const CAPTION_TICK_MS = 250;

/** The SDK's `LiveTranscriptionLanguageCode` values the sim sends, as BCP 47 tags (as the page maps them). */
const LANGUAGE_TAGS: Readonly<Record<number, string>> = {
  0: 'en',
  1: 'zh-Hans',
  2: 'ja',
  3: 'de',
  4: 'fr',
  5: 'ru',
  6: 'pt',
  7: 'es',
  8: 'ko',
  9: 'it',
};

const RECORDING: Readonly<Record<string, RecordingState>> = {
  Recording: 'started',
  Paused: 'paused',
  Stopped: 'stopped',
};

interface Member {
  name: string;
  role: ParticipantRole;
  customerKey: string | undefined;
  present: boolean;
}

type ParticipantEventType = 'participant.joined' | 'participant.left' | 'participant.updated';

export class SimMeetingEventFeed {
  private readonly members = new Map<number, Member>();
  private readonly captions = new Map<string, { event: PageMeetingEventInput; at: number }>();
  private speakersKey: string | undefined;
  private recording: RecordingState | undefined;
  private queue: PageMeetingEventInput[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private captionTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    /** One report (at most `EVENTS_PER_REPORT_MAX` events), as the page would send it. */
    private readonly send: (events: PageMeetingEventInput[]) => void,
    private readonly selfId: () => number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feeds one server message; those that are not about the meeting's people or activity are ignored. */
  receive(message: ServerMessage): void {
    if (this.closed) return;
    switch (message.type) {
      case 'user-added':
      case 'user-updated':
        for (const p of message.participants) this.sighted(p);
        break;
      case 'user-removed':
        for (const p of message.participants) this.removed(p.userId);
        break;
      case 'chat-on-message':
        this.chat(message.message);
        break;
      case 'caption-message':
        this.caption(message.caption);
        break;
      case 'active-speaker':
        this.speakers(message.speakers.map((s) => s.userId));
        break;
      case 'recording-change':
        this.recordingChange(RECORDING[message.status]);
        break;
      default:
        return;
    }
    this.schedule();
  }

  /** The bot's own message went out: reported as the page reports it, before the chat result. */
  chatSent(text: string, to: number | undefined): void {
    if (this.closed) return;
    this.queue.push({ type: 'chat.sent', data: { to: to ?? 'everyone', text } });
    this.flush();
  }

  /** Reports interim captions still held, then stops. */
  close(): void {
    if (this.closed) return;
    for (const held of this.captions.values()) this.queue.push(held.event);
    this.captions.clear();
    this.flush();
    this.closed = true;
    clearInterval(this.captionTimer);
  }

  private sighted(p: SdkParticipant): void {
    const role: ParticipantRole = p.isHost ? 'host' : p.isCoHost ? 'cohost' : 'attendee';
    const name = clampName(p.userName);
    const present = !p.isHold;
    const known = this.members.get(p.userId);
    if (!known) {
      const member: Member = { name, role, customerKey: p.customerKey, present };
      this.members.set(p.userId, member);
      if (present) this.participant('participant.joined', p.userId, member);
      return;
    }
    const changed = known.name !== name || known.role !== role;
    known.name = name;
    known.role = role;
    if (p.customerKey !== undefined) known.customerKey = p.customerKey;
    if (known.present !== present) {
      known.present = present;
      this.participant(present ? 'participant.joined' : 'participant.left', p.userId, known);
    } else if (present && changed) {
      this.participant('participant.updated', p.userId, known);
    }
  }

  private removed(userId: number): void {
    const member = this.members.get(userId);
    if (!member) return;
    this.members.delete(userId);
    if (member.present) this.participant('participant.left', userId, member);
  }

  private participant(type: ParticipantEventType, participantId: number, member: Member): void {
    this.queue.push({
      type,
      data: {
        participantId,
        name: member.name,
        role: member.role,
        self: participantId === this.selfId(),
        ...(member.customerKey !== undefined ? { customerKey: member.customerKey } : {}),
      },
    });
  }

  private chat(message: SdkChatMessage): void {
    const selfId = this.selfId();
    if (message.sender.userId === selfId) return;
    const { text, truncated } = clamp(message.message, CHAT_TEXT_MAX, stripTextControls);
    if (text === '') return;
    this.queue.push({
      type: 'chat.received',
      data: {
        from: { participantId: message.sender.userId, name: clampName(message.sender.name) },
        to: selfId !== undefined && message.receiver.userId === selfId ? 'me' : 'everyone',
        text,
        ...(truncated ? { truncated: true as const } : {}),
      },
    });
  }

  private caption(caption: SdkCaption): void {
    const { text, truncated } = clamp(caption.text, CAPTION_TEXT_MAX, stripTextControls);
    if (text === '') return;
    const language = LANGUAGE_TAGS[caption.language];
    const event: PageMeetingEventInput = {
      type: 'caption',
      data: {
        participantId: caption.userId,
        name: clampName(caption.displayName),
        text,
        ...(language !== undefined ? { language } : {}),
        ...(truncated ? { truncated: true as const } : {}),
      },
    };
    this.captions.delete(caption.msgId);
    if (caption.done !== false) {
      this.queue.push(event);
      return;
    }
    this.captions.set(caption.msgId, { event, at: this.now() });
    this.captionTimer ??= setInterval(() => this.settleCaptions(), CAPTION_TICK_MS);
    this.captionTimer.unref();
  }

  private settleCaptions(): void {
    const now = this.now();
    for (const [msgId, held] of this.captions) {
      if (now - held.at < CAPTION_SETTLE_MS) continue;
      this.captions.delete(msgId);
      this.queue.push(held.event);
    }
    if (this.captions.size === 0) {
      clearInterval(this.captionTimer);
      this.captionTimer = undefined;
    }
    this.flush();
  }

  private speakers(userIds: number[]): void {
    const ids = [...new Set(userIds)].slice(0, SPEAKERS_MAX);
    const key = [...ids].sort((a, b) => a - b).join(',');
    if (key === this.speakersKey) return;
    this.speakersKey = key;
    this.queue.push({ type: 'speaker.changed', data: { participantIds: ids } });
  }

  private recordingChange(state: RecordingState | undefined): void {
    if (state === undefined || state === this.recording) return;
    this.recording = state;
    this.queue.push({ type: 'recording.changed', data: { state } });
  }

  private schedule(): void {
    if (this.queue.length >= EVENTS_PER_REPORT_MAX) this.flush();
    else if (this.queue.length > 0 && this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
    }
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const events = this.queue;
    this.queue = [];
    for (let i = 0; i < events.length; i += EVENTS_PER_REPORT_MAX) {
      this.send(events.slice(i, i + EVENTS_PER_REPORT_MAX));
    }
  }
}
