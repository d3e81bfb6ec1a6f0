import WebSocket from 'ws';
import {
  type ChatResultMessage,
  type ConnectionChangeMessage,
  type JoinParams,
  type JoinResultMessage,
  PARTICIPANT_SOCKET_PATH,
  type SdkParticipant,
  type ServerMessage,
  serverMessageSchema,
} from '../protocol.js';

const DEFAULT_WAIT_MS = 5000;

export interface SimParticipantOptions {
  /**
   * Keep every server message in `messages` (default true). A long-lived participant (the runner's
   * sim-client page driver, hundreds per process) reads them with `onMessage` instead, so its memory
   * does not grow with the meeting's traffic; `waitForMessage` and `joinResult` then see nothing.
   */
  keepMessages?: boolean;
  /** Gives up opening the socket after this long (ws `handshakeTimeout`); unset: no limit. */
  handshakeTimeoutMs?: number;
}

/**
 * A meeting participant over the zoom-sim protocol, for Node tests and tools: what the browser module
 * does, without a browser. Every server message is kept in `messages`, in order.
 */
export class SimParticipant {
  readonly messages: ServerMessage[] = [];
  /** Frames that did not match the protocol: always empty unless the server has a bug. */
  readonly badFrames: string[] = [];
  /** Set when the socket has closed: its close code. */
  closeCode: number | undefined;
  private readonly waiters = new Set<() => void>();
  private nextChatRef = 1;
  private readonly messageListeners = new Set<(message: ServerMessage) => void>();
  private readonly closeListeners = new Set<(code: number) => void>();

  private constructor(
    private readonly ws: WebSocket,
    keepMessages: boolean,
  ) {
    ws.on('message', (data) => {
      const text = String(data);
      const parsed = serverMessageSchema.safeParse(parseJson(text));
      // Kept rather than thrown: a throw inside a socket listener would crash the test process.
      if (parsed.success) {
        if (keepMessages) this.messages.push(parsed.data);
        for (const listener of [...this.messageListeners]) listener(parsed.data);
      } else if (keepMessages) this.badFrames.push(text.slice(0, 500));
      this.notify();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.notify();
      for (const listener of [...this.closeListeners]) listener(code);
    });
    ws.on('error', () => {});
  }

  /** Opens a socket to the sim at `simUrl` (`http://host:port`) and sends `join`. */
  static async join(
    simUrl: string,
    params: JoinParams,
    options: SimParticipantOptions = {},
  ): Promise<SimParticipant> {
    const participant = await SimParticipant.connect(simUrl, options);
    participant.sendRaw(JSON.stringify({ type: 'join', ...params }));
    return participant;
  }

  /** Opens a socket without joining: for protocol tests that send their own frames. */
  static connect(simUrl: string, options: SimParticipantOptions = {}): Promise<SimParticipant> {
    const url = new URL(PARTICIPANT_SOCKET_PATH, simUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(
      url,
      options.handshakeTimeoutMs !== undefined ? { handshakeTimeout: options.handshakeTimeoutMs } : {},
    );
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new SimParticipant(ws, options.keepMessages ?? true)));
      ws.once('error', reject);
    });
  }

  /** Every server message from now on, as it arrives (listeners are called in order, synchronously). */
  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Called once, with the close code, when the socket closes. */
  onClose(listener: (code: number) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  sendRaw(frame: string): void {
    this.ws.send(frame);
  }

  get connectionChanges(): Omit<ConnectionChangeMessage, 'type'>[] {
    return this.messages.flatMap((m) => (m.type === 'connection-change' ? [withoutType(m)] : []));
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  /** This participant as the meeting last described it (join result, then self updates). */
  get self(): SdkParticipant | undefined {
    let self: SdkParticipant | undefined;
    for (const m of this.messages) {
      if (m.type === 'join-result' && m.ok) self = m.self;
      if (m.type === 'user-updated' && self) {
        const id: number = self.userId;
        self = m.participants.find((p) => p.userId === id) ?? self;
      }
    }
    return self;
  }

  /** Resolves with the join result (ok or refused). */
  async joinResult(timeoutMs = DEFAULT_WAIT_MS): Promise<JoinResultMessage> {
    const found = await this.waitForMessage((m) => m.type === 'join-result', timeoutMs);
    return found as JoinResultMessage;
  }

  /** Waits for a `connection-change` with this state (and reason, when given). */
  async waitForConnection(
    state: ConnectionChangeMessage['state'],
    reason?: string,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<Omit<ConnectionChangeMessage, 'type'>> {
    const found = await this.waitForMessage(
      (m) =>
        m.type === 'connection-change' && m.state === state && (reason === undefined || m.reason === reason),
      timeoutMs,
    );
    return withoutType(found as ConnectionChangeMessage);
  }

  /** Waits for a message matching `predicate`, including ones already received. */
  waitForMessage(
    predicate: (m: ServerMessage) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ServerMessage> {
    return this.waitUntil(() => this.messages.find(predicate), timeoutMs, 'message');
  }

  waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<number> {
    return this.waitUntil(() => this.closeCode, timeoutMs, 'close');
  }

  /** Leaves as the SDK's `leaveMeeting()` does, and waits for the server to close the socket. */
  async leave(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.closed) return;
    this.ws.send(JSON.stringify({ type: 'leave' }));
    await this.waitForClose(timeoutMs);
  }

  /** The SDK's `sendChat`: to everyone, or privately to participant `to`; resolves with the sim's answer. */
  async sendChat(text: string, to?: number, timeoutMs = DEFAULT_WAIT_MS): Promise<ChatResultMessage> {
    const ref = this.nextChatRef++;
    this.ws.send(JSON.stringify({ type: 'chat', ref, text, ...(to !== undefined ? { to } : {}) }));
    const found = await this.waitForMessage((m) => m.type === 'chat-result' && m.ref === ref, timeoutMs);
    return found as ChatResultMessage;
  }

  /** Every message of this type received so far, in order. */
  received<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  /** Closes the socket without leaving: the sim sees a lost connection. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ws.close();
    return this.waitForClose().then(() => undefined);
  }

  private waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.messages.map((m) => m.type).join(', ');
        reject(new Error(`No ${what} within ${timeoutMs} ms; seen: [${seen}], closed: ${this.closeCode}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function withoutType(message: ConnectionChangeMessage): Omit<ConnectionChangeMessage, 'type'> {
  const { type: _type, ...rest } = message;
  return rest;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
