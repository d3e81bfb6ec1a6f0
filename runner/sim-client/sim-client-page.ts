import { EventEmitter } from 'node:events';
import {
  type PageInitOptions,
  type PageJoinParams,
  type PageMeetingEventInput,
  type PageMessage,
  pageMessageSchema,
} from '../../shared/bridge.js';
import { CHAT_TEXT_MAX, clamp, stripTextControls } from '../../shared/meeting-event-bounds.js';
import { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import type { ChatResultMessage, SdkParticipant, ServerMessage } from '../../zoom-sim/protocol.js';
import { BotPageError } from '../browser/page-errors.js';
import type { BotPage, BotPageEvent } from '../supervisor/ports.js';
import { SimMeetingEventFeed } from './sim-meeting-events.js';
import {
  CONNECTION_ERROR,
  connectionChange,
  endedBeforeJoin,
  endsSession,
  joinRefused,
  toJoinParams,
  toPageParticipant,
} from './sim-page-signals.js';

/** A socket the sim has not accepted in this long counts as a connection error, as the SDK's would. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** As the page's wait for a `chat-result`. */
const CHAT_TIMEOUT_MS = 10_000;

/** Refusing the SDK's second `join()` on one client (zoom-sim/sdk/sdk-errors.ts). */
const DUPLICATED_JOIN = {
  errorCode: 5012,
  reason: 'Duplicated join operation',
  errorType: 'INVALID_OPERATION',
} as const;

/**
 * One bot's meeting session as a zoom-sim participant over the sim's WebSocket protocol, with no
 * browser (`WORKER_PAGE_DRIVER=sim-client`). It reports what the sim page would report through
 * `zbrReport`, in the same order, so the supervisor runs unchanged. No beats and no touches: the
 * session lives in the worker's own event loop, so it cannot hang apart from the worker, and it dies
 * with the worker (the sim sees the socket close, as it sees a killed Chromium's).
 */
export class SimClientBotPage implements BotPage {
  private readonly emitter = new EventEmitter<{ event: [BotPageEvent] }>();
  private simUrl: string | undefined;
  private participant: SimParticipant | undefined;
  private joinStarted = false;
  /** `join()` has neither resolved nor rejected yet, in SDK terms. */
  private joinPending = false;
  /** The sim said the session is over (or the socket went): later signals are not this session's. */
  private ended = false;
  private self: SdkParticipant | undefined;
  private closing: Promise<void> | undefined;
  /** docs/contract.md §11: what the bot sees, reported as the page reports it. */
  private readonly meeting = new SimMeetingEventFeed(
    (events) => this.reportMeetingEvents(events),
    () => this.self?.userId,
  );
  private nextChatRef = 1;
  /** `sendChat`s waiting for the sim's `chat-result`, by the frame's `ref`. */
  private readonly chats = new Map<number, (result: ChatResultMessage | Error) => void>();

  /** `onClosed`: called once the page has closed (its source forgets it). */
  constructor(private readonly onClosed: () => void = () => {}) {}

  /** The sim's origin (`http://host:port`), or its `host:port` as the pool passes `webEndpoint`. */
  init(options: PageInitOptions): Promise<void> {
    const raw = options.webEndpoint?.trim();
    if (!raw)
      return Promise.reject(
        new BotPageError('page_init_failed', 'the sim-client page needs the sim as webEndpoint'),
      );
    this.simUrl = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`).origin;
    return Promise.resolve();
  }

  /** Starts the join and returns, as the page's `evaluate` does: the outcome arrives as events. */
  async join(params: PageJoinParams): Promise<void> {
    if (this.closing) throw new BotPageError('page_closed', 'join on a closed page');
    const simUrl = this.simUrl;
    if (simUrl === undefined) throw new BotPageError('page_not_ready', 'join before init');
    if (this.joinStarted) {
      this.emit({ type: 'join-result', ok: false, ...DUPLICATED_JOIN });
      return;
    }
    const frame = toJoinParams(params);
    if ('refused' in frame) {
      this.emit({ type: 'join-result', ok: false, reason: frame.refused });
      return;
    }
    this.joinStarted = true;
    this.joinPending = true;
    void SimParticipant.join(simUrl, frame, {
      keepMessages: false,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    }).then(
      (participant) => this.adopt(participant),
      () => this.connectionLost(),
    );
  }

  async leave(timeoutMs: number): Promise<void> {
    if (this.closing) return this.closing;
    try {
      const participant = this.participant;
      if (participant && !participant.closed && !this.ended) {
        // The sim answers `Closed` (no reason) and closes the socket; the listeners report it.
        await participant.leave(timeoutMs);
        this.emit({ type: 'leave-result', ok: true });
      }
    } catch {
      // No answer in time: closing the socket takes the participant out all the same.
    } finally {
      await this.close();
    }
  }

  /**
   * The SDK's `sendChat(text, userId?)` over the sim's socket; on success a `chat.sent` meeting event is
   * reported first, as the page does.
   */
  async sendChat(text: string, to?: number): Promise<void> {
    const participant = this.participant;
    if (this.closing || this.ended || !participant || participant.closed) {
      throw new BotPageError('page_closed', 'sendChat outside a meeting session');
    }
    const clean = clamp(text, CHAT_TEXT_MAX, stripTextControls).text;
    if (clean === '') throw new BotPageError('chat_failed', 'sendChat: empty text');
    const ref = this.nextChatRef++;
    const answer = new Promise<ChatResultMessage | Error>((resolve) => {
      const timer = setTimeout(() => {
        this.chats.delete(ref);
        resolve(new BotPageError('page_timeout', `no chat result within ${CHAT_TIMEOUT_MS} ms`));
      }, CHAT_TIMEOUT_MS);
      this.chats.set(ref, (result) => {
        clearTimeout(timer);
        this.chats.delete(ref);
        resolve(result);
      });
    });
    participant.sendRaw(
      JSON.stringify({ type: 'chat', ref, text: clean, ...(to !== undefined ? { to } : {}) }),
    );
    const result = await answer;
    if (result instanceof Error) throw result;
    if (!result.ok) throw new BotPageError('chat_failed', `sendChat failed: ${result.reason.slice(0, 200)}`);
    this.meeting.chatSent(clean, to);
  }

  /** Closes the socket without leaving (the sim sees a lost connection, as with a closed context). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.meeting.close();
      for (const settle of [...this.chats.values()]) settle(new BotPageError('page_closed', 'page closed'));
      this.emitter.removeAllListeners();
      const participant = this.participant;
      if (participant && !participant.closed) {
        // Waits (up to 5 s) for the close handshake: the sim has seen this copy go before a rejoin's.
        await participant.close().catch(() => {});
      }
      this.onClosed();
    })();
    return this.closing;
  }

  onEvent(listener: (event: BotPageEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  private adopt(participant: SimParticipant): void {
    if (this.closing) {
      // Closed while the socket was opening: nobody wants this session.
      void participant.close().catch(() => {});
      return;
    }
    this.participant = participant;
    participant.onMessage((message) => this.receive(message));
    participant.onClose(() => this.connectionLost());
  }

  private receive(message: ServerMessage): void {
    this.meeting.receive(message);
    switch (message.type) {
      case 'join-result':
        if (message.ok) {
          this.self = message.self;
          this.settleJoin({ type: 'join-result', ok: true });
        } else {
          this.ended = true;
          this.settleJoin(joinRefused(message.errorCode, message.reason));
        }
        return;
      case 'connection-change': {
        const { type: _type, ...change } = message;
        if (endsSession(change)) this.ended = true;
        this.emit(connectionChange(change));
        if (this.ended) this.settleJoin(endedBeforeJoin(change));
        return;
      }
      case 'user-added':
      case 'user-updated':
      case 'user-removed': {
        const self = this.self;
        if (self && message.type !== 'user-removed') {
          this.self = message.participants.find((p) => p.userId === self.userId) ?? self;
        }
        this.emit({
          type: message.type,
          users: message.participants.map(toPageParticipant),
          self: this.self ? toPageParticipant(this.self) : null,
        });
        return;
      }
      case 'chat-result':
        this.chats.get(message.ref)?.(message);
        return;
      default:
        // `error` (a bug between this client and the sim; the socket closes next); the meeting's
        // activity went to the meeting-event feed above.
        return;
    }
  }

  /** The socket went (or never opened) without the sim ending the session: the SDK's connection error. */
  private connectionLost(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit(connectionChange({ state: 'Fail', ...CONNECTION_ERROR }));
    this.settleJoin(joinRefused(CONNECTION_ERROR.errorCode, CONNECTION_ERROR.reason));
  }

  private settleJoin(result: Extract<PageMessage, { type: 'join-result' }>): void {
    if (!this.joinPending) return;
    this.joinPending = false;
    this.emit(result);
  }

  private emit(event: BotPageEvent): void {
    this.emitter.emit('event', event);
  }

  /** Through the bridge's own schema, as the Puppeteer page's reports are: names and text cleaned again. */
  private reportMeetingEvents(events: PageMeetingEventInput[]): void {
    const parsed = pageMessageSchema.safeParse({ type: 'meeting-events', events });
    if (parsed.success) this.emit(parsed.data);
  }
}
