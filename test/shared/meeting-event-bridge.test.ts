import { describe, expect, it } from 'vitest';
import { type PageMessage, pageChatRequestSchema, pageMessageSchema } from '../../shared/bridge.js';
import {
  CAPTION_TEXT_MAX,
  CHAT_TEXT_MAX,
  clamp,
  clampName,
  EVENTS_PER_REPORT_MAX,
  NAME_MAX,
  SPEAKERS_MAX,
  stripNameControls,
  stripTextControls,
} from '../../shared/meeting-event-bounds.js';
import {
  MEETING_EVENT_TYPES,
  meetingEventCategory,
  meetingEventSchema,
} from '../../shared/meeting-events.js';

/** docs/contract.md §11 at the bridge: every meeting-event report is bounded and cleaned. */

const participant = (over: Record<string, unknown> = {}) => ({
  type: 'participant.joined',
  data: { participantId: 16778240, name: 'Alice', role: 'attendee', self: false, ...over },
});

const report = (events: unknown[]) => pageMessageSchema.safeParse({ type: 'meeting-events', events });

function parsedEvents(events: unknown[]) {
  const parsed = report(events);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return (parsed.data as Extract<PageMessage, { type: 'meeting-events' }>).events;
}

describe('control characters', () => {
  it('names lose every control character and the bidi overrides; emoji sequences stay', () => {
    expect(stripNameControls('Eve\u0000\u0007\u001b[2J\u007f\u0085\nX')).toBe('Eve[2JX');
    expect(stripNameControls('\u202eadmin\u202c \u2066x\u2069')).toBe('admin x');
    // ZWJ joins the family emoji: not a control to strip.
    expect(stripNameControls('👩‍👩‍👧 Åsa 会议')).toBe('👩‍👩‍👧 Åsa 会议');
    expect(stripNameControls('bad \ud800 half')).toBe('bad \ufffd half');
  });

  it('text keeps tabs and lines; \\r\\n and \\r become \\n', () => {
    expect(stripTextControls('a\tb\r\nc\rd\u0000e\u001b')).toBe('a\tb\nc\nde');
  });
});

describe('clamp', () => {
  it('cuts at max, flags it, and never splits a surrogate pair', () => {
    expect(clamp('abcdef', 4, stripTextControls)).toEqual({ text: 'abcd', truncated: true });
    expect(clamp('abc', 4, stripTextControls)).toEqual({ text: 'abc', truncated: false });
    const emoji = `${'a'.repeat(3)}😀`;
    expect(clamp(emoji, 4, stripTextControls)).toEqual({ text: 'aaa', truncated: true });
  });

  it('control characters do not count against max', () => {
    expect(clamp(`${'\u0000'.repeat(4)}abcd`, 4, stripTextControls)).toEqual({
      text: 'abcd',
      truncated: false,
    });
  });

  it('a megabyte is cut without reading it all', () => {
    const huge = '\u0007'.repeat(10) + 'x'.repeat(1024 * 1024);
    const started = performance.now();
    const { text, truncated } = clamp(huge, CAPTION_TEXT_MAX, stripTextControls);
    expect(performance.now() - started).toBeLessThan(50);
    expect(text).toBe('x'.repeat(CAPTION_TEXT_MAX));
    expect(truncated).toBe(true);
    expect(clampName('n'.repeat(10_000))).toHaveLength(NAME_MAX);
  });
});

describe('meeting-events report', () => {
  it('parses every event type, cleaning names and text again', () => {
    const events = parsedEvents([
      participant({ name: 'Eve\u001b[31m', customerKey: 'bot-1', reason: 'failover' }),
      { type: 'participant.updated', data: { participantId: 1, name: 'B', role: 'cohost', self: true } },
      { type: 'speaker.changed', data: { participantIds: [3, 1] } },
      {
        type: 'chat.received',
        data: { from: { participantId: 1, name: 'B' }, to: 'me', text: 'hi\u0000', truncated: true },
      },
      { type: 'chat.sent', data: { to: 'everyone', text: 'Notes are being taken.' } },
      { type: 'chat.sent', data: { to: 7, text: 'psst' } },
      { type: 'caption', data: { participantId: 1, name: 'B', text: 'Hallo', language: 'de' } },
      { type: 'recording.changed', data: { state: 'paused' } },
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'participant.joined',
      'participant.updated',
      'speaker.changed',
      'chat.received',
      'chat.sent',
      'chat.sent',
      'caption',
      'recording.changed',
    ]);
    expect(events[0]?.data).toEqual({
      participantId: 16778240,
      name: 'Eve[31m',
      role: 'attendee',
      self: false,
      customerKey: 'bot-1',
      reason: 'failover',
    });
    expect(events[3]?.data).toMatchObject({ text: 'hi' });
  });

  it('refuses what is over its bound', () => {
    const over = [
      participant({ name: 'n'.repeat(NAME_MAX + 1) }),
      participant({ customerKey: 'k'.repeat(37) }),
      participant({ participantId: -1 }),
      participant({ participantId: 1.5 }),
      participant({ role: 'admin' }),
      participant({ self: undefined }),
      {
        type: 'speaker.changed',
        data: { participantIds: Array.from({ length: SPEAKERS_MAX + 1 }, (_, i) => i) },
      },
      {
        type: 'chat.received',
        data: { from: { participantId: 1, name: 'B' }, to: 'everyone', text: 'c'.repeat(CHAT_TEXT_MAX + 1) },
      },
      { type: 'chat.received', data: { from: { participantId: 1, name: 'B' }, to: 'you', text: 'hi' } },
      { type: 'chat.sent', data: { to: 'everyone', text: '' } },
      { type: 'caption', data: { participantId: 1, name: 'B', text: 't'.repeat(CAPTION_TEXT_MAX + 1) } },
      { type: 'caption', data: { participantId: 1, name: 'B', text: 'x', language: 'en; drop table' } },
      { type: 'recording.changed', data: { state: 'Recording' } },
      { type: 'chat.deleted', data: {} },
    ];
    for (const event of over)
      expect(report([event]).success, JSON.stringify(event).slice(0, 120)).toBe(false);
  });

  it('a report holds 1 to EVENTS_PER_REPORT_MAX events', () => {
    expect(report([]).success).toBe(false);
    expect(report(Array.from({ length: EVENTS_PER_REPORT_MAX }, () => participant())).success).toBe(true);
    expect(report(Array.from({ length: EVENTS_PER_REPORT_MAX + 1 }, () => participant())).success).toBe(
      false,
    );
  });

  it('drop counts and chat results', () => {
    const dropped = { type: 'meeting-events-dropped', dropped: { chat: 120, malformed: 1 }, truncated: 3 };
    expect(pageMessageSchema.safeParse(dropped).success).toBe(true);
    expect(pageMessageSchema.safeParse({ ...dropped, dropped: { spam: 1 } }).success).toBe(false);
    expect(pageMessageSchema.safeParse({ ...dropped, truncated: -1 }).success).toBe(false);
    expect(pageMessageSchema.safeParse({ type: 'chat-result', requestId: 'r1', ok: true }).success).toBe(
      true,
    );
    const failed = {
      type: 'chat-result',
      requestId: 'r1',
      ok: false,
      errorType: 'INVALID_OPERATION',
      reason: 'x',
    };
    expect(pageMessageSchema.safeParse(failed).success).toBe(true);
    expect(pageMessageSchema.safeParse({ type: 'chat-result', requestId: '', ok: true }).success).toBe(false);
  });
});

describe('sendChat request (runner → page)', () => {
  it('text 1–1024 characters, cleaned; to a participant id; nothing else', () => {
    expect(pageChatRequestSchema.parse({ requestId: 'r1', text: 'Hi\u0007 all' })).toEqual({
      requestId: 'r1',
      text: 'Hi all',
    });
    expect(pageChatRequestSchema.parse({ requestId: 'r1', text: 'x'.repeat(CHAT_TEXT_MAX), to: 5 }).to).toBe(
      5,
    );
    for (const bad of [
      { requestId: 'r1', text: '' },
      { requestId: 'r1', text: 'x'.repeat(CHAT_TEXT_MAX + 1) },
      { requestId: 'r1', text: 'hi', to: -1 },
      { requestId: 'r1', text: 'hi', to: 'everyone' },
      { requestId: 'r'.repeat(65), text: 'hi' },
      { requestId: 'r1', text: 'hi', zak: 'secret' },
    ]) {
      expect(pageChatRequestSchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 80)).toBe(false);
    }
  });
});

describe('stored meeting events (the API shape)', () => {
  it('carry seq and at; `ours` instead of the page-only fields; a category per type', () => {
    const stored = {
      seq: 1,
      at: '2026-05-30T10:00:00.000Z',
      type: 'participant.joined',
      data: { participantId: 1, name: 'Alice', role: 'host', ours: false },
    };
    expect(meetingEventSchema.parse(stored)).toEqual(stored);
    expect(meetingEventSchema.safeParse({ ...stored, seq: 0 }).success).toBe(false);
    expect(
      meetingEventSchema.safeParse({ ...stored, data: { ...stored.data, ours: undefined } }).success,
    ).toBe(false);
    expect(MEETING_EVENT_TYPES.map(meetingEventCategory)).toEqual([
      'participant',
      'participant',
      'participant',
      'speaker',
      'chat',
      'chat',
      'caption',
      'recording',
    ]);
  });
});
