import { afterEach, describe, expect, it } from 'vitest';
import { type PageMeetingEvent, type PageMessage, pageMessageSchema } from '../../shared/bridge.js';
import { CAPTION_TEXT_MAX, CHAT_TEXT_MAX, NAME_MAX } from '../../shared/meeting-event-bounds.js';
import { CAPTION_SETTLE_MS } from '../../web-client/src/caption-lines.js';
import { PAGE_EVENT_RATES } from '../../web-client/src/event-budget.js';
import {
  MEETING_SDK_EVENTS,
  MeetingEventFeed,
  type MeetingEventsClient,
} from '../../web-client/src/meeting-events.js';

/**
 * The page's meeting-event feed (web-client/src/meeting-events.ts) driven with SDK payloads as
 * `@zoom/meetingsdk/embedded` types them: what reaches the runner, checked against the bridge schema.
 */
const SELF = 16778241;

/** Full SDK `Participant`s, as `user-added` carries them. */
function sdkParticipant(userId: number, userName: string, over: Record<string, unknown> = {}) {
  return {
    userId,
    userName,
    displayName: userName,
    audio: '',
    muted: true,
    isHost: false,
    isCoHost: false,
    isGuest: false,
    avatar: '',
    isPhoneUser: false,
    bRaiseHand: false,
    isHold: false,
    bHold: false,
    video: false,
    bVideoOn: false,
    sharerOn: false,
    feedback: 0,
    sharePause: false,
    ...over,
  };
}

const feeds: MeetingEventFeed[] = [];
afterEach(() => {
  for (const feed of feeds.splice(0)) feed.flush();
});

/** A feed on a fake SDK client, a manual clock, and every report it sends (each checked by the bridge schema). */
function rig() {
  const listeners = new Map<string, (payload: unknown) => void>();
  const registered: string[] = [];
  const chatCalls: [string, number | undefined][] = [];
  let chatAnswer: (text: string, to?: number) => Promise<unknown> = (text, to) =>
    Promise.resolve({
      message: text,
      sender: { name: 'Bot', userId: SELF },
      receiver: { name: 'Everyone', userId: to ?? 0 },
      timestamp: 1,
    });
  const client = {
    on(event: string, callback: (payload: unknown) => void) {
      registered.push(event);
      listeners.set(event, callback);
    },
    getCurrentUser: () => ({ userId: SELF }),
    sendChat(text: string, to?: number) {
      chatCalls.push([text, to]);
      return chatAnswer(text, to);
    },
  } as unknown as MeetingEventsClient;
  let now = 1_000_000;
  const sent: PageMessage[] = [];
  const feed = new MeetingEventFeed(
    client,
    (message) => {
      const parsed = pageMessageSchema.safeParse(message);
      if (!parsed.success) throw new Error(`the runner would refuse: ${JSON.stringify(parsed.error.issues)}`);
      sent.push(parsed.data);
    },
    () => now,
  );
  feeds.push(feed);
  const registeredNames = feed.listen();
  return {
    feed,
    registered,
    registeredNames,
    chatCalls,
    sent,
    answerChat(answer: typeof chatAnswer) {
      chatAnswer = answer;
    },
    emit(event: string, payload: unknown) {
      const listener = listeners.get(event);
      if (!listener) throw new Error(`no listener for ${event}`);
      listener(payload);
    },
    advance(ms: number) {
      now += ms;
    },
    /** Every meeting event reported so far (flushing what is queued). */
    events(): PageMeetingEvent[] {
      feed.flush();
      return sent.flatMap((m) => (m.type === 'meeting-events' ? m.events : []));
    },
    drops() {
      return sent.filter((m) => m.type === 'meeting-events-dropped');
    },
  };
}

describe('subscription', () => {
  it('registers exactly the SDK events of docs/contract.md §11, once each', () => {
    const { registered, registeredNames } = rig();
    expect(registered).toEqual([...MEETING_SDK_EVENTS]);
    expect(registeredNames).toEqual(MEETING_SDK_EVENTS);
    expect([...MEETING_SDK_EVENTS].sort()).toEqual([
      'active-speaker',
      'caption-message',
      'chat-on-message',
      'recording-change',
      'user-added',
      'user-removed',
      'user-updated',
    ]);
  });
});

describe('participants', () => {
  it('joined with ids, names, roles and which one is the bot itself', () => {
    const r = rig();
    r.emit('user-added', [
      sdkParticipant(16778240, 'Host Hanna', { isHost: true }),
      sdkParticipant(SELF, 'Note Taker', { customerKey: 'bot-1' }),
      sdkParticipant(16778242, 'Cora', { isCoHost: true }),
    ]);
    expect(r.events()).toEqual([
      {
        type: 'participant.joined',
        data: { participantId: 16778240, name: 'Host Hanna', role: 'host', self: false },
      },
      {
        type: 'participant.joined',
        data: { participantId: SELF, name: 'Note Taker', role: 'attendee', self: true, customerKey: 'bot-1' },
      },
      {
        type: 'participant.joined',
        data: { participantId: 16778242, name: 'Cora', role: 'cohost', self: false },
      },
    ]);
  });

  it('updated only for a new name or role, from full or partial payloads; mute and video say nothing', () => {
    const r = rig();
    r.emit('user-added', [sdkParticipant(1, 'Alice')]);
    r.emit('user-updated', [sdkParticipant(1, 'Alice', { muted: false, video: true })]);
    r.emit('user-updated', { userId: 1, muted: true, bCoHost: false });
    r.emit('user-updated', { userId: 1, displayName: 'Alice (Acme)', bCoHost: true });
    r.emit('user-updated', [sdkParticipant(1, 'Alice (Acme)', { isHost: true })]);
    expect(
      r
        .events()
        .map((e) => [e.type, 'name' in e.data ? e.data.name : '', 'role' in e.data ? e.data.role : '']),
    ).toEqual([
      ['participant.joined', 'Alice', 'attendee'],
      ['participant.updated', 'Alice (Acme)', 'cohost'],
      ['participant.updated', 'Alice (Acme)', 'host'],
    ]);
  });

  it('the waiting room is not the meeting: held, admitted, sent back, and a leave from it is silent', () => {
    const r = rig();
    r.emit('user-added', [sdkParticipant(2, 'Walt', { isHold: true, bHold: true })]);
    r.emit('user-updated', [sdkParticipant(2, 'Walt', { isHold: false })]);
    r.emit('user-updated', { userId: 2, bHold: true, bCoHost: false });
    r.emit('user-removed', [sdkParticipant(2, 'Walt', { isHold: true })]);
    expect(r.events().map((e) => e.type)).toEqual(['participant.joined', 'participant.left']);
  });

  it('left with the name it had, and the SDK reason for a failover; unknown ids are not reported', () => {
    const r = rig();
    r.emit('user-added', [sdkParticipant(3, 'Fay')]);
    r.emit('user-removed', { userId: 3, reason: 'failover', bCoHost: false });
    r.emit('user-removed', [{ userId: 99 }]);
    expect(r.events()).toEqual([
      { type: 'participant.joined', data: { participantId: 3, name: 'Fay', role: 'attendee', self: false } },
      {
        type: 'participant.left',
        data: { participantId: 3, name: 'Fay', role: 'attendee', self: false, reason: 'failover' },
      },
    ]);
  });

  it('hostile names are cleaned and cut; unreadable entries are counted, not reported', () => {
    const r = rig();
    r.emit('user-added', [
      sdkParticipant(4, `\u202eEve\u0000\u001b[2J${'e'.repeat(10_000)}`),
      { userId: 'four' },
      null,
      { userId: -1 },
    ]);
    const [joined] = r.events();
    expect(joined?.data).toMatchObject({ participantId: 4, name: `Eve[2J${'e'.repeat(NAME_MAX - 6)}` });
    r.advance(1_000);
    r.feed.tick();
    expect(r.drops()).toEqual([{ type: 'meeting-events-dropped', dropped: { malformed: 3 }, truncated: 1 }]);
  });

  it('a new join forgets everyone: the SDK lists who is there again', () => {
    const r = rig();
    r.emit('user-added', [sdkParticipant(5, 'Gus')]);
    r.feed.reset();
    r.emit('user-added', [sdkParticipant(5, 'Gus')]);
    expect(r.events().map((e) => e.type)).toEqual(['participant.joined', 'participant.joined']);
  });
});

describe('chat', () => {
  const chatMessage = (over: Record<string, unknown> = {}) => ({
    id: 'm1',
    message: 'Hello',
    sender: { name: 'Alice', userId: 1 },
    receiver: { name: 'Everyone', userId: 0 },
    timestamp: 1,
    ...over,
  });

  it('to everyone or to the bot; the bot’s own echo is not received; a ChatRecord’s lines are joined', () => {
    const r = rig();
    r.emit('chat-on-message', chatMessage());
    r.emit(
      'chat-on-message',
      chatMessage({ message: 'just you', receiver: { name: 'Note Taker', userId: SELF } }),
    );
    r.emit('chat-on-message', chatMessage({ sender: { name: 'Note Taker', userId: SELF } }));
    r.emit('chat-on-message', {
      sender: { name: 'Bob', userId: 2 },
      receiver: { name: 'Everyone', userId: 0 },
      message: ['a', 'b'],
      timestamp: 2,
    });
    r.emit('chat-on-message', {
      sender: { name: 'Bob', userId: 2 },
      receiver: { name: 'Everyone', userId: 0 },
      file: { name: 'x.pdf', type: 'pdf' },
      timestamp: 3,
    });
    expect(r.events()).toEqual([
      {
        type: 'chat.received',
        data: { from: { participantId: 1, name: 'Alice' }, to: 'everyone', text: 'Hello' },
      },
      {
        type: 'chat.received',
        data: { from: { participantId: 1, name: 'Alice' }, to: 'me', text: 'just you' },
      },
      {
        type: 'chat.received',
        data: { from: { participantId: 2, name: 'Bob' }, to: 'everyone', text: 'a\nb' },
      },
    ]);
  });

  it('long text is cut to 1024 characters and marked; control characters go', () => {
    const r = rig();
    r.emit('chat-on-message', chatMessage({ message: `\u0007bell\r\n${'z'.repeat(5_000)}` }));
    const [event] = r.events();
    expect(event?.data).toMatchObject({ text: `bell\n${'z'.repeat(CHAT_TEXT_MAX - 5)}`, truncated: true });
    r.advance(1_000);
    r.feed.tick();
    expect(r.drops()).toEqual([{ type: 'meeting-events-dropped', dropped: {}, truncated: 1 }]);
  });

  it('a flood of 10 000 messages in a minute is cut to the chat rate, and the drops are counted', () => {
    const r = rig();
    for (let i = 0; i < 10_000; i++) {
      r.emit('chat-on-message', chatMessage({ message: `spam ${i}` }));
      r.advance(6);
      if (i % 40 === 0) r.feed.tick();
    }
    r.advance(1_000);
    r.feed.tick();
    const reported = r.events().length;
    const { perSecond, burst } = PAGE_EVENT_RATES.chat;
    expect(reported).toBeLessThanOrEqual(burst + perSecond * 61);
    expect(reported).toBeGreaterThan(perSecond * 55);
    const dropped = r
      .drops()
      .reduce((n, m) => n + (m.type === 'meeting-events-dropped' ? (m.dropped.chat ?? 0) : 0), 0);
    expect(reported + dropped).toBe(10_000);
    // Drop counts go out at most once a second, not once per message.
    expect(r.drops().length).toBeLessThanOrEqual(62);
  });

  it('50 messages a second (the bench) pass untouched', () => {
    const r = rig();
    for (let i = 0; i < 1_500; i++) {
      r.emit('chat-on-message', chatMessage({ message: `m${i}` }));
      r.advance(20);
    }
    expect(r.events()).toHaveLength(1_500);
  });
});

describe('captions', () => {
  const caption = (over: Record<string, unknown> = {}) => ({
    msgId: 'c1',
    userId: 1,
    displayName: 'Alice',
    text: 'Guten Morgen',
    source: 4,
    language: 3,
    timestamp: 1,
    ...over,
  });

  it('a finished line with its language as a BCP 47 tag', () => {
    const r = rig();
    r.emit('caption-message', caption({ done: true }));
    r.emit('caption-message', caption({ msgId: 'c2', language: 400, text: 'untranslated' }));
    expect(r.events()).toEqual([
      { type: 'caption', data: { participantId: 1, name: 'Alice', text: 'Guten Morgen', language: 'de' } },
      { type: 'caption', data: { participantId: 1, name: 'Alice', text: 'untranslated' } },
    ]);
  });

  it('interim updates of one line become one event: when done, or once it went quiet', () => {
    const r = rig();
    for (const text of ['Gu', 'Guten', 'Guten Mor'])
      r.emit('caption-message', caption({ text, done: false }));
    r.emit('caption-message', caption({ text: 'Guten Morgen', done: true }));
    r.emit('caption-message', caption({ msgId: 'c2', text: 'und dann', done: false }));
    r.advance(CAPTION_SETTLE_MS - 1);
    r.feed.tick();
    expect(r.events().map((e) => 'text' in e.data && e.data.text)).toEqual(['Guten Morgen']);
    r.advance(1);
    r.feed.tick();
    expect(r.events().map((e) => 'text' in e.data && e.data.text)).toEqual(['Guten Morgen', 'und dann']);
  });

  it('a one-megabyte caption is cut to 4096 characters, marked and counted', () => {
    const r = rig();
    const started = performance.now();
    r.emit('caption-message', caption({ text: `\u0000${'x'.repeat(1024 * 1024)}` }));
    expect(performance.now() - started).toBeLessThan(100);
    const [event] = r.events();
    expect(event?.data).toMatchObject({ text: 'x'.repeat(CAPTION_TEXT_MAX), truncated: true });
  });
});

describe('active speaker and recording', () => {
  it('speaker.changed only when the set changes', () => {
    const r = rig();
    r.emit('active-speaker', [{ userId: 1, displayName: 'A' }, { userId: 2 }]);
    r.emit('active-speaker', [{ userId: 2 }, { userId: 1 }]);
    r.emit('active-speaker', [{ userId: 2 }]);
    r.emit('active-speaker', []);
    expect(r.events()).toEqual([
      { type: 'speaker.changed', data: { participantIds: [1, 2] } },
      { type: 'speaker.changed', data: { participantIds: [2] } },
      { type: 'speaker.changed', data: { participantIds: [] } },
    ]);
  });

  it('a speaker storm: the latest set is reported on the next tick, the ones it replaced are counted', () => {
    const r = rig();
    for (let i = 0; i < 500; i++) r.emit('active-speaker', [{ userId: i }]);
    const now = r.events();
    expect(now.length).toBe(PAGE_EVENT_RATES.speaker.burst);
    r.advance(1_000);
    r.feed.tick();
    const after = r.events();
    expect(after.at(-1)).toEqual({ type: 'speaker.changed', data: { participantIds: [499] } });
    const dropped = r.drops()[0];
    expect(dropped?.type === 'meeting-events-dropped' && dropped.dropped.speaker).toBe(500 - after.length);
  });

  it('recording: the SDK status as started, paused, stopped; once per change', () => {
    const r = rig();
    for (const status of ['Recording', 'Recording', 'Paused', 'Stopped', 'Dancing'])
      r.emit('recording-change', status);
    expect(r.events().map((e) => 'state' in e.data && e.data.state)).toEqual([
      'started',
      'paused',
      'stopped',
    ]);
  });
});

describe('sendChat on request', () => {
  it('calls the SDK with (text, userId), reports chat.sent, then chat-result ok', async () => {
    const r = rig();
    await r.feed.sendChat({ requestId: 'r1', text: 'Notes are being taken by Acme\u0007.' });
    await r.feed.sendChat({ requestId: 'r2', text: 'psst', to: 7 });
    expect(r.chatCalls).toEqual([
      ['Notes are being taken by Acme.', undefined],
      ['psst', 7],
    ]);
    expect(r.sent.filter((m) => m.type !== 'meeting-events-dropped')).toEqual([
      {
        type: 'meeting-events',
        events: [{ type: 'chat.sent', data: { to: 'everyone', text: 'Notes are being taken by Acme.' } }],
      },
      { type: 'chat-result', requestId: 'r1', ok: true },
      { type: 'meeting-events', events: [{ type: 'chat.sent', data: { to: 7, text: 'psst' } }] },
      { type: 'chat-result', requestId: 'r2', ok: true },
    ]);
  });

  it('a refusal (rejected, or resolved with an Error) is a failed chat-result and no chat.sent', async () => {
    const r = rig();
    r.answerChat(() => Promise.reject({ type: 'INVALID_PARAMETERS', reason: 'No such user.' }));
    await r.feed.sendChat({ requestId: 'r1', text: 'hi', to: 9 });
    r.answerChat(() => Promise.resolve(new Error('chat is disabled')));
    await r.feed.sendChat({ requestId: 'r2', text: 'hi' });
    expect(r.sent).toEqual([
      {
        type: 'chat-result',
        requestId: 'r1',
        ok: false,
        errorType: 'INVALID_PARAMETERS',
        reason: 'No such user.',
      },
      { type: 'chat-result', requestId: 'r2', ok: false, reason: 'chat is disabled' },
    ]);
  });

  it('a request the runner should never send is refused without calling the SDK', async () => {
    const r = rig();
    await r.feed.sendChat({ requestId: 'r1', text: '\u0000\u0007' });
    await r.feed.sendChat({ requestId: 'r2', text: 'hi', to: -3 });
    expect(r.chatCalls).toEqual([]);
    expect(r.sent.map((m) => m.type === 'chat-result' && m.ok)).toEqual([false, false]);
  });
});
