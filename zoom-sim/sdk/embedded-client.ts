import type {
  ActiveSpeaker,
  ChatMessage,
  EmbeddedClient,
  ExecutedFailure,
  event_caption_message,
  InitOptions,
  JoinOptions,
  Participant,
  RecordingStatusValue,
} from '@zoom/meetingsdk/embedded';
import {
  CHAT_TEXT_MAX_CHARS,
  type ConnectionChangeMessage,
  type JoinParams,
  type SdkCaption,
  type SdkChatMessage,
  type SdkParticipant,
  type ServerMessage,
  serverMessageSchema,
} from '../protocol.js';
import { participantSocketUrl } from './endpoint.js';
import {
  CONNECTION_ERROR,
  duplicatedJoin,
  invalidChat,
  type JoinFailure,
  joinFailed,
  notInMeeting,
} from './sdk-errors.js';

/** The `connection-change` payload, as the real SDK emits it. */
export type ConnectionChangePayload = Omit<ConnectionChangeMessage, 'type'>;
type ParticipantsEvent = 'user-added' | 'user-removed' | 'user-updated';
/** The payload of the SDK's `caption-message`. */
export type CaptionPayload = Parameters<typeof event_caption_message>[0];
/** Listeners are stored loosely; each `on` overload fixes what its event delivers. */
type Listener = (payload: unknown) => void;

/** The part of the real client the runner's page uses: a mismatch with the real `.d.ts` fails tsc. */
export type SdkClientSurface = Pick<
  typeof EmbeddedClient,
  'init' | 'join' | 'on' | 'off' | 'leaveMeeting' | 'getCurrentUser' | 'getAttendeeslist' | 'sendChat'
>;

/** The protocol's payloads are the SDK's types: checked here, at compile time. */
const asParticipant = (p: SdkParticipant): Participant => p;
const asChatMessage = (m: SdkChatMessage): ChatMessage => m;
const asCaption = (c: SdkCaption): CaptionPayload => c;

/** How long `leaveMeeting()` waits for the sim to close the socket before closing it itself. */
const LEAVE_TIMEOUT_MS = 3000;

interface PendingJoin {
  resolve(value: string): void;
  reject(reason: JoinFailure): void;
}

interface PendingChat {
  resolve(value: ChatMessage): void;
  reject(reason: ExecutedFailure): void;
}

/**
 * The Component View client over the zoom-sim participant socket. Browser-only: uses the global
 * `WebSocket`. It never logs, so no token or signature can reach a console.
 */
export class SimEmbeddedClient {
  private socketUrl: string | undefined;
  private root: HTMLElement | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private socket: WebSocket | undefined;
  private pendingJoin: PendingJoin | undefined;
  /** Set once the sim said the session is over (`Closed`, or a `Fail` other than "not started"). */
  private ended = false;
  private current: Participant | null = null;
  private readonly attendees = new Map<number, Participant>();
  private readonly pendingChats = new Map<number, PendingChat>();
  private nextChatRef = 1;

  init(options: InitOptions): Promise<string> {
    try {
      this.socketUrl = participantSocketUrl(options.webEndpoint, globalThis.location?.protocol);
    } catch (error) {
      return Promise.reject(error);
    }
    this.root = options.zoomAppRoot;
    this.render('initialised');
    return Promise.resolve('');
  }

  join(options: JoinOptions): Promise<string> {
    if (this.socketUrl === undefined) return Promise.reject(new Error('Call init() before join().'));
    const params = joinParams(options);
    if (params instanceof Error) return Promise.reject(params);
    if (this.pendingJoin || this.socket) return Promise.reject(duplicatedJoin());
    const socket = new WebSocket(this.socketUrl);
    this.socket = socket;
    this.ended = false;
    this.current = null;
    this.attendees.clear();
    const result = new Promise<string>((resolve, reject) => {
      this.pendingJoin = { resolve, reject };
    });
    socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'join', ...params })));
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => this.socketClosed(socket));
    return result;
  }

  on(event: 'connection-change', callback: (payload: ConnectionChangePayload) => void): void;
  on(event: ParticipantsEvent, callback: (payload: Participant[]) => void): void;
  on(event: 'active-speaker', callback: (payload: ActiveSpeaker[]) => void): void;
  on(event: 'chat-on-message', callback: (payload: ChatMessage) => void): void;
  on(event: 'caption-message', callback: (payload: CaptionPayload) => void): void;
  on(event: 'recording-change', callback: (payload: RecordingStatusValue) => void): void;
  /** Events the sim never emits are accepted, as the real client accepts them, and stay silent. */
  on(event: string, callback: (payload: never) => void): void;
  on(event: string, callback: (payload: never) => void): void {
    // The real SDK throws here too: listeners need an initialised client.
    if (this.socketUrl === undefined) throw new Error('Call init() before on().');
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(callback as Listener);
  }

  off(event: string, callback: (payload: never) => void): void {
    this.listeners.get(event)?.delete(callback as Listener);
  }

  /** Leaves; `connection-change {state:'Closed'}` with no reason follows, as in the real SDK. */
  leaveMeeting(_userId?: number): Promise<string> {
    const socket = this.socket;
    if (!socket) return Promise.resolve('');
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve('');
      };
      const timer = setTimeout(() => {
        socket.close();
        done();
      }, LEAVE_TIMEOUT_MS);
      socket.addEventListener('close', done, { once: true });
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'leave' }));
      else socket.close();
    });
  }

  /**
   * The SDK's `sendChat(text, userId?)`: to everyone, or privately to `userId`. Resolves with the
   * `ChatMessage` as sent; rejects with an `ExecutedFailure` (not in the meeting, empty text, no such
   * participant), as the real client does.
   */
  sendChat(chatMessage: string, userId?: number): Promise<ChatMessage | Error> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.current || this.ended) {
      return Promise.reject(notInMeeting());
    }
    if (
      typeof chatMessage !== 'string' ||
      chatMessage.length === 0 ||
      chatMessage.length > CHAT_TEXT_MAX_CHARS
    ) {
      return Promise.reject(invalidChat(`chatMessage must be 1–${CHAT_TEXT_MAX_CHARS} characters.`));
    }
    const ref = this.nextChatRef++;
    return new Promise<ChatMessage>((resolve, reject) => {
      this.pendingChats.set(ref, { resolve, reject });
      socket.send(
        JSON.stringify({
          type: 'chat',
          ref,
          text: chatMessage,
          ...(userId !== undefined ? { to: userId } : {}),
        }),
      );
    });
  }

  getCurrentUser(): Participant | null {
    return this.current;
  }

  getAttendeeslist(): Participant[] {
    return [...this.attendees.values()];
  }

  /** `destroyClient()`: closes the session and forgets every listener. */
  destroy(): void {
    this.socket?.close();
    this.socket = undefined;
    this.listeners.clear();
    this.socketUrl = undefined;
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = serverMessageSchema.safeParse(value);
    if (parsed.success) this.handle(parsed.data);
  }

  private handle(message: ServerMessage): void {
    switch (message.type) {
      case 'join-result':
        if (message.ok) {
          this.current = asParticipant(message.self);
          this.attendees.set(message.self.userId, this.current);
          this.settleJoin();
        } else {
          this.ended = true;
          this.settleJoin(joinFailed(message.errorCode, message.reason));
        }
        return;
      case 'connection-change': {
        const { type: _type, ...payload } = message;
        const notStarted =
          payload.state === 'Fail' && (payload.errorCode === 3008 || payload.errorCode === 3129);
        if ((payload.state === 'Fail' && !notStarted) || payload.state === 'Closed') this.ended = true;
        this.render(payload.state);
        this.emit('connection-change', payload);
        // A session that ends before the join resolved also fails the join (the event came first).
        if (this.ended) this.settleJoin(endedBeforeJoin(payload));
        return;
      }
      case 'user-added':
      case 'user-updated':
        for (const p of message.participants) this.attendees.set(p.userId, asParticipant(p));
        this.refreshCurrent(message.participants);
        this.emit(message.type, message.participants.map(asParticipant));
        return;
      case 'user-removed':
        for (const p of message.participants) this.attendees.delete(p.userId);
        this.emit(message.type, message.participants.map(asParticipant));
        return;
      case 'active-speaker':
        this.emit('active-speaker', message.speakers satisfies ActiveSpeaker[]);
        return;
      case 'chat-on-message':
        this.emit('chat-on-message', asChatMessage(message.message));
        return;
      case 'chat-result': {
        const pending = this.pendingChats.get(message.ref);
        this.pendingChats.delete(message.ref);
        if (message.ok) pending?.resolve(asChatMessage(message.message));
        else pending?.reject({ type: message.errorType, reason: message.reason });
        return;
      }
      case 'caption-message':
        this.emit('caption-message', asCaption(message.caption));
        return;
      case 'recording-change':
        this.emit('recording-change', message.status satisfies RecordingStatusValue);
        return;
      case 'error':
        // A protocol error is a bug between this module and the sim; the socket closes next.
        return;
    }
  }

  private refreshCurrent(participants: SdkParticipant[]): void {
    const self = this.current;
    if (!self) return;
    const updated = participants.find((p) => p.userId === self.userId);
    if (updated) this.current = asParticipant(updated);
  }

  private socketClosed(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    for (const pending of this.pendingChats.values()) pending.reject(notInMeeting());
    this.pendingChats.clear();
    // The sim closed without saying why (it stopped, or the network did): the SDK's connection error.
    if (!this.ended) {
      this.ended = true;
      this.render('Fail');
      this.emit('connection-change', { state: 'Fail', ...CONNECTION_ERROR });
      this.settleJoin(joinFailed(CONNECTION_ERROR.errorCode, CONNECTION_ERROR.reason));
    }
  }

  private settleJoin(failure?: JoinFailure): void {
    const pending = this.pendingJoin;
    if (!pending) return;
    this.pendingJoin = undefined;
    if (failure) pending.reject(failure);
    else pending.resolve('');
  }

  private emit(event: string, payload: unknown): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch {
        // A throwing listener must not stop the others, as with the real SDK's emitter.
      }
    }
  }

  /** A visible hint in the app root, so a screenshot of a sim page says where the bot is. */
  private render(state: string): void {
    if (!this.root) return;
    this.root.dataset.zoomSimState = state;
    this.root.textContent = `zoom-sim meeting: ${state}`;
  }
}

/** The join options the protocol carries; bad parameters are a plain `Error`, as in the real SDK. */
function joinParams(options: JoinOptions): JoinParams | Error {
  const meetingNumber = String(options.meetingNumber ?? '').replace(/\s/g, '');
  if (!options.signature || !meetingNumber || !options.userName) {
    return new Error('join() needs signature, meetingNumber and userName.');
  }
  if (options.zak && options.obfToken) return new Error('zak and obfToken cannot be used together.');
  const optional = {
    password: options.password,
    zak: options.zak,
    obfToken: options.obfToken,
    customerKey: options.customerKey,
    userEmail: options.userEmail,
    tk: options.tk,
  };
  const given = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined && v !== ''));
  return { signature: options.signature, meetingNumber, userName: options.userName, ...given };
}

function endedBeforeJoin(payload: ConnectionChangePayload): JoinFailure {
  // "ended by host" while waiting for the host is Zoom's "meeting has ended".
  if (payload.reason === 'ended by host') return joinFailed(4004, payload.reason);
  return joinFailed(
    payload.errorCode ?? CONNECTION_ERROR.errorCode,
    payload.reason ?? CONNECTION_ERROR.reason,
  );
}

/** Compile-time check against the real package's types. */
export const sdkSurfaceCheck = (client: SimEmbeddedClient): SdkClientSurface => client;
