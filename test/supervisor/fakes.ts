import { BotSupervisor } from '../../runner/supervisor/bot-supervisor.js';
import type {
  BotPage,
  BotPageEvent,
  Clock,
  JoinCredentials,
  StateChange,
} from '../../runner/supervisor/ports.js';
import type { SupervisorSettings } from '../../runner/supervisor/supervisor-settings.js';
import type { StartSituation } from '../../runner/supervisor/supervisor-types.js';
import { systemClock } from '../../runner/supervisor/system-clock.js';
import { type BotRequestInput, botRequestSchema } from '../../shared/bot-request.js';
import type { BotState } from '../../shared/bot-states.js';
import type { PageJoinParams, PageParticipant } from '../../shared/bridge.js';
import { captureLogger } from '../helpers/capture-logger.js';

export const BOT_ID = 'bot-0001';
export const PASSCODE = 'PASSCODE-SECRET';

/**
 * A bot page as an object literal's worth of behaviour: `join` records the parameters and hands the page
 * to the test's script, which emits the same `BotPageEvent`s the real page reports.
 */
export class FakePage implements BotPage {
  readonly joins: PageJoinParams[] = [];
  readonly leaves: number[] = [];
  closed = false;
  private readonly listeners = new Set<(event: BotPageEvent) => void>();

  constructor(
    readonly index: number,
    private readonly onJoin: (page: FakePage) => void,
  ) {}

  async init(): Promise<void> {}

  async join(params: PageJoinParams): Promise<void> {
    this.joins.push(params);
    // The outcome arrives as events after join() resolved, as with the real page.
    setTimeout(() => this.onJoin(this), 1);
  }

  async leave(timeoutMs: number): Promise<void> {
    this.leaves.push(timeoutMs);
    // The SDK's answer to our own leaveMeeting(): Closed without a reason.
    this.change('Closed');
    await this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Records the message; the chat paths are tested against the sim (test/meeting-events). */
  readonly chats: Array<{ text: string; to?: number }> = [];
  async sendChat(text: string, to?: number): Promise<void> {
    this.chats.push({ text, ...(to !== undefined ? { to } : {}) });
  }

  onEvent(listener: (event: BotPageEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: BotPageEvent): void {
    if (this.closed) return;
    for (const listener of [...this.listeners]) listener(event);
  }

  change(state: string, reason?: string, errorCode?: number): void {
    this.emit({
      type: 'connection-change',
      change: {
        state,
        ...(reason !== undefined ? { reason } : {}),
        ...(errorCode !== undefined ? { errorCode } : {}),
      },
    });
  }

  /** join() rejecting, as the page reports it. */
  joinFailed(errorCode: number | undefined, reason?: string): void {
    this.emit({ type: 'join-result', ok: false, errorType: 'JOIN_MEETING_FAILED', errorCode, reason });
  }

  users(type: 'user-added' | 'user-removed' | 'user-updated', users: PageParticipant[]): void {
    this.emit({ type, users, self: SELF });
  }
}

export const SELF: PageParticipant = { userId: 1, userName: 'Note Bot', customerKey: BOT_ID };
export const HUMAN: PageParticipant = { userId: 2, userName: 'Ada', isHost: true };
export const OUR_OTHER_BOT: PageParticipant = { userId: 3, userName: 'Other Bot', customerKey: 'our-bot-2' };

export const connect = (page: FakePage) => page.change('Connected');

export interface HarnessOptions {
  request?: Partial<BotRequestInput>;
  settings?: Partial<SupervisorSettings>;
  start?: StartSituation;
  /** What each page does once joined; `index` counts pages opened (0 first). */
  onJoin?: (page: FakePage) => void;
  /** Replaces the mint; `n` counts mints (1 first). */
  mint?: (n: number) => Promise<JoinCredentials>;
  /** Default: the wall clock. */
  clock?: Clock;
  /** The bot's first `in_meeting` in an earlier run (what the worker reads from the store). */
  firstInMeetingAt?: number;
}

export function harness(options: HarnessOptions = {}) {
  const records: StateChange[] = [];
  const pages: FakePage[] = [];
  const mints: JoinCredentials[] = [];
  const log = captureLogger();
  const request = botRequestSchema.parse({
    meetingNumber: '123 456 7890',
    displayName: 'Note Bot',
    passcode: PASSCODE,
    auth: { type: 'zak' },
    ...options.request,
  });
  const isObf = request.auth.type === 'obf';
  const supervisor = new BotSupervisor({
    botId: BOT_ID,
    request,
    logger: log.logger,
    start: options.start ?? { kind: 'fresh' },
    ...(options.firstInMeetingAt !== undefined ? { firstInMeetingAt: options.firstInMeetingAt } : {}),
    settings: {
      reconnectGraceMs: 80,
      leaveTimeoutMs: 50,
      joinTimeoutMs: 2_000,
      obfRetryMs: 20,
      defaultRejoinBackoffMs: 5,
      maxBackoffMs: 40,
      ...options.settings,
    },
    ports: {
      credentials: {
        async mint() {
          const n = mints.length + 1;
          const minted = options.mint
            ? await options.mint(n)
            : {
                signature: `SIGNATURE-SECRET-${n}`,
                ...(isObf ? { obfToken: `OBF-SECRET-${n}` } : { zak: `ZAK-SECRET-${n}` }),
              };
          mints.push(minted);
          return minted;
        },
      },
      pages: {
        async open() {
          // Never two pages of one bot alive at once: a rejoin closes the old one first.
          if (pages.some((p) => !p.closed)) throw new Error('a second page opened while one was alive');
          const page = new FakePage(pages.length, options.onJoin ?? connect);
          pages.push(page);
          return page;
        },
      },
      recorder: {
        async record(botId, change) {
          if (botId !== BOT_ID) throw new Error(`recorded for ${botId}`);
          records.push(change);
        },
      },
      ourBots: { isOurs: (_meeting, p) => p.customerKey?.startsWith('our-') === true },
      clock: options.clock ?? systemClock,
    },
  });
  const abort = new AbortController();
  return {
    supervisor,
    records,
    pages,
    mints,
    logLines: log.lines,
    abort,
    run: () => supervisor.run(abort.signal),
    states: (): BotState[] => records.map((r) => r.state),
    last: (): StateChange | undefined => records.at(-1),
    page: (index = -1): FakePage => {
      const page = pages.at(index);
      if (!page) throw new Error(`no page ${index}`);
      return page;
    },
    /** Resolves once the bot is in `state` (polling: the supervisor runs on its own). */
    async until(state: BotState, timeoutMs = 2_000): Promise<void> {
      const started = Date.now();
      while (supervisor.state !== state) {
        if (Date.now() - started > timeoutMs) {
          throw new Error(`bot never reached ${state}; states: ${records.map((r) => r.state).join(' → ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `predicate` holds (polling every 2 ms), or fails naming what it waited for. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
