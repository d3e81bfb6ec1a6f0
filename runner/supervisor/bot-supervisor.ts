import type { BotRequest } from '../../shared/bot-request.js';
import type { BotState } from '../../shared/bot-states.js';
import type { EndReason } from '../../shared/end-reasons.js';
import type { Logger } from '../log/logger.js';
import { type AttemptContext, AttemptFollower, type BotTimers } from './attempt.js';
import type { AttemptEnd, Departure, InboxItem } from './attempt-types.js';
import { BotLifecycle } from './bot-lifecycle.js';
import { BotNotInMeetingError } from './chat-errors.js';
import { Inbox } from './inbox.js';
import { joinParams } from './join-params.js';
import { type BotPage, isMintError, type JoinCredentials } from './ports.js';
import { RejoinPolicy, type RetryDecision } from './rejoin-policy.js';
import { STOPPED, untilStopped } from './stoppable.js';
import { type ResolvedSettings, resolveSettings } from './supervisor-settings.js';
import type {
  BotOutcome,
  BotSupervisorOptions,
  StartSituation,
  SupervisorPorts,
} from './supervisor-types.js';

type RetryEnd = Extract<AttemptEnd, { kind: 'retry' }>;

/**
 * One bot's life in one worker, as an explicit state machine over docs/contract.md §4's states: mint, join,
 * follow the meeting, rejoin after drops (docs/contract.md §5), leave on request, rule, shutdown or abort.
 * Pure logic over the ports: no BullMQ, no Puppeteer.
 */
export class BotSupervisor {
  private readonly botId: string;
  private readonly request: BotRequest;
  private readonly ports: SupervisorPorts;
  private readonly settings: ResolvedSettings;
  private readonly logger: Logger;
  private readonly start: StartSituation;
  private readonly lifecycle: BotLifecycle;
  private readonly policy: RejoinPolicy;
  private readonly inbox = new Inbox<InboxItem>();
  /** Aborted by the first leave, handoff or abort: cuts short mints, page opens and pauses. */
  private readonly stopper = new AbortController();
  private readonly timers: BotTimers;
  private departure: Departure | undefined;
  private page: BotPage | undefined;
  /** The seq of `page`, for the meeting-event log: a new seq is a new session in the meeting. */
  private pageSeq = 0;
  private offPage: (() => void) | undefined;
  private started = false;

  constructor(options: BotSupervisorOptions) {
    this.botId = options.botId;
    this.request = options.request;
    this.ports = options.ports;
    this.settings = resolveSettings(options.settings, options.request);
    this.logger = options.logger.child({ botId: options.botId });
    this.start = options.start ?? { kind: 'fresh' };
    const resume = this.start.kind === 'resume' ? this.start : undefined;
    this.lifecycle = new BotLifecycle(
      this.botId,
      this.ports.recorder,
      this.logger,
      resume?.state ?? 'queued',
      resume ?? { attempts: 0, rejoins: 0 },
    );
    this.policy = new RejoinPolicy(this.settings);
    this.timers = {
      everInMeeting: resume?.wasInMeeting ?? false,
      firstInMeetingAt: options.firstInMeetingAt,
      hostWaitSince: undefined,
      aloneSince: undefined,
    };
  }

  get state(): BotState {
    return this.lifecycle.state;
  }

  /**
   * Asks the bot to leave: an end reason (API leave → `left_by_request`) ends it; `handoff` (shutdown)
   * takes it out of the meeting so that the job can be requeued. The first request wins.
   */
  requestLeave(reason: EndReason | 'handoff'): void {
    if (this.departure) return;
    this.setDeparture(reason === 'handoff' ? { kind: 'handoff' } : { kind: 'end', reason });
  }

  /**
   * docs/contract.md §11: posts `text` to everyone, or privately to participant `to`, through the
   * current page. Throws `BotNotInMeetingError` unless the bot is `in_meeting`; the page's own refusal
   * is a `BotPageError`. On success the page has reported a `chat.sent` meeting event.
   */
  async sendChat(text: string, to?: number): Promise<void> {
    const page = this.page;
    if (!page || this.lifecycle.state !== 'in_meeting') {
      throw new BotNotInMeetingError(this.botId, this.lifecycle.state);
    }
    await page.sendChat(text, to);
  }

  /**
   * Runs the bot until it ends or hands off. `signal` aborting (lost lock, hard stop) takes the bot out
   * of its meeting at once and resolves `handoff` without recording: the job may have a new owner.
   */
  async run(signal: AbortSignal): Promise<BotOutcome> {
    if (this.started) throw new Error('BotSupervisor.run() may be called once');
    this.started = true;
    const onAbort = () => {
      if (this.departure?.kind !== 'abort') this.setDeparture({ kind: 'abort' });
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.drive();
    } catch (error) {
      return await this.fail(error);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.closePage();
      await this.lifecycle.flush();
    }
  }

  private setDeparture(departure: Departure): void {
    this.departure = departure;
    this.stopper.abort();
    this.inbox.push({ type: 'wake' });
  }

  private async drive(): Promise<BotOutcome> {
    const resumed = this.resumeEnd();
    if (resumed) return resumed;
    for (;;) {
      if (this.departure) return this.departWithoutPage(this.departure);
      // Spent before this try (in an earlier run, or during a backoff): no join only to leave again.
      if (this.maxDurationSpent()) return this.endNow('max_duration');
      this.enterMinting();
      let credentials: JoinCredentials | typeof STOPPED;
      try {
        credentials = await untilStopped(
          this.stopper.signal,
          this.ports.credentials.mint(this.botId, this.request),
        );
      } catch (error) {
        const outcome = await this.mintFailed(error);
        if (outcome) return outcome;
        continue;
      }
      if (credentials === STOPPED) continue;

      let page: BotPage | typeof STOPPED;
      try {
        page = await untilStopped(
          this.stopper.signal,
          this.ports.pages.open(this.botId),
          (late) => void late.close(),
        );
      } catch (error) {
        const outcome = await this.retry({ kind: 'retry', cause: 'page_failed', detail: errorName(error) });
        if (outcome) return outcome;
        continue;
      }
      if (page === STOPPED) continue;
      const seq = this.adoptPage(page);

      this.lifecycle.countAttempt();
      this.lifecycle.transition('joining', this.policy.awaitingAuthoriser ? { reason: 'fresh OBF' } : {});
      try {
        const joined = await untilStopped(
          this.stopper.signal,
          page.join(joinParams(this.botId, this.request, credentials)),
        );
        if (joined === STOPPED && this.departure) return this.departWithPage(page, this.departure);
      } catch (error) {
        const outcome = await this.retry({ kind: 'retry', cause: 'page_failed', detail: errorName(error) });
        if (outcome) return outcome;
        continue;
      }

      const end = await new AttemptFollower(this.attemptContext(), seq).follow();
      if (end.kind === 'depart') return this.departWithPage(page, end.departure);
      if (end.kind === 'ended') {
        await this.closePage();
        return this.endNow(end.reason, end.code, end.detail);
      }
      const outcome = await this.retry(end);
      if (outcome) return outcome;
    }
  }

  /** A resumed job whose bot was already leaving or ended has nothing left to join. */
  private resumeEnd(): BotOutcome | undefined {
    if (this.start.kind !== 'resume') return undefined;
    if (this.start.state === 'ended')
      return { kind: 'ended', reason: 'internal_error', detail: 'already ended' };
    // The worker that was taking it out died, and its Chromium with it: the bot is out already.
    if (this.start.state === 'leaving') return this.endNow(this.start.leavingFor ?? 'left_by_request');
    return undefined;
  }

  /** The bot's time in its meeting, counted from its first `in_meeting` in any run, has run out. */
  private maxDurationSpent(): boolean {
    const since = this.timers.firstInMeetingAt;
    const ms = this.settings.maxDurationMs;
    return since !== undefined && ms !== undefined && this.ports.clock.now() >= since + ms;
  }

  private enterMinting(): void {
    // A resume from the meeting, or a retry, passes through `rejoining` when the table asks for it.
    if (!this.lifecycle.can('minting')) {
      this.lifecycle.transition('rejoining', { reason: this.start.kind === 'resume' ? 'resume' : 'retry' });
    }
    this.lifecycle.transition('minting');
  }

  private attemptContext(): AttemptContext {
    return {
      botId: this.botId,
      meetingNumber: this.request.meetingNumber,
      lifecycle: this.lifecycle,
      inbox: this.inbox,
      clock: this.ports.clock,
      ourBots: this.ports.ourBots,
      settings: this.settings,
      timers: this.timers,
      departure: () => this.departure,
      onInMeeting: () => {
        this.policy.reset();
        this.postOnJoin();
      },
    };
  }

  /**
   * `chat.onJoin`, once for the bot's life (docs/contract.md §11): the log holds the claim, so neither a
   * rejoin nor another worker taking the bot over posts it again. A post that fails gives the claim
   * back for the next `in_meeting`.
   */
  private postOnJoin(): void {
    const text = this.request.chat?.onJoin;
    const sink = this.ports.meetingEvents;
    const page = this.page;
    if (text === undefined || !sink || !page) return;
    void (async () => {
      try {
        if (!(await sink.claimOnJoin())) return;
      } catch (error) {
        this.logger.warn({ err: errorName(error) }, 'could not claim the join message; not posted');
        return;
      }
      try {
        await page.sendChat(text);
      } catch (error) {
        this.logger.warn({ err: errorName(error) }, 'the join message was not posted; will try again');
        await sink.releaseOnJoin().catch(() => {});
      }
    })();
  }

  /** Mint errors: typed ones (`MintError`) end with `auth_failed` and their code, retryable ones are retried first. */
  private async mintFailed(error: unknown): Promise<BotOutcome | undefined> {
    if (!isMintError(error)) {
      this.logger.error({ err: errorName(error) }, 'minting failed with an unexpected error');
      return this.endNow('internal_error', undefined, `mint: ${errorName(error)}`);
    }
    this.logger.warn({ code: error.code, retryable: error.retryable }, 'minting failed');
    return this.applyDecision(this.policy.afterMintError(error));
  }

  /** Closes the attempt's page, then waits for the next try or ends, as the rejoin policy decides. */
  private async retry(end: RetryEnd): Promise<BotOutcome | undefined> {
    await this.closePage();
    this.logger.info({ cause: end.cause, code: end.code }, 'join attempt over');
    return this.applyDecision(
      this.policy.afterAttempt(end, this.timers.everInMeeting, this.ports.clock.now()),
    );
  }

  private async applyDecision(decision: RetryDecision): Promise<BotOutcome | undefined> {
    if (decision.kind === 'end') return this.endNow(decision.reason, decision.code, decision.detail);
    if (decision.show === 'rejoining') {
      this.lifecycle.transition('rejoining', {
        reason: decision.reason,
        ...(decision.code !== undefined ? { code: decision.code } : {}),
      });
    }
    if (decision.ms > 0 && !this.stopper.signal.aborted) {
      await this.ports.clock.sleep(decision.ms, this.stopper.signal);
    }
    return undefined;
  }

  /** Leave the meeting the page is in (or joining), then end, hand off, or just stop (abort). */
  private async departWithPage(page: BotPage, departure: Departure): Promise<BotOutcome> {
    if (departure.kind === 'abort') {
      await this.leavePage(page, this.settings.abortLeaveTimeoutMs);
      return { kind: 'handoff' };
    }
    if (departure.kind === 'handoff') {
      this.lifecycle.transition('rejoining', { reason: 'handoff' });
      await this.leavePage(page, this.settings.leaveTimeoutMs);
      return { kind: 'handoff' };
    }
    this.lifecycle.transition('leaving', { reason: departure.reason });
    await this.leavePage(page, this.settings.leaveTimeoutMs);
    return this.endNow(departure.reason);
  }

  /** Not in Zoom (queued, minting, between tries): a leave ends at once. */
  private departWithoutPage(departure: Departure): BotOutcome {
    if (departure.kind === 'abort') return { kind: 'handoff' };
    if (departure.kind === 'handoff') {
      const state = this.lifecycle.state;
      if (state !== 'queued' && state !== 'scheduled' && state !== 'rejoining') {
        this.lifecycle.transition(this.lifecycle.can('queued') ? 'queued' : 'rejoining', {
          reason: 'handoff',
        });
      }
      return { kind: 'handoff' };
    }
    return this.endNow(departure.reason);
  }

  private endNow(reason: EndReason, code?: number, detail?: string): BotOutcome {
    this.lifecycle.transition('ended', {
      endReason: reason,
      ...(code !== undefined ? { code } : {}),
      ...(detail !== undefined ? { endDetail: detail } : {}),
    });
    return {
      kind: 'ended',
      reason,
      ...(code !== undefined ? { code } : {}),
      ...(detail !== undefined ? { detail } : {}),
    };
  }

  /** A bug (an illegal transition, an unexpected throw): take the bot out and end it. */
  private async fail(error: unknown): Promise<BotOutcome> {
    this.logger.error({ err: errorName(error), state: this.lifecycle.state }, 'bot supervisor failed');
    await this.closePage();
    const detail = errorName(error);
    if (this.lifecycle.can('ended')) return this.endNow('internal_error', undefined, detail);
    return { kind: 'ended', reason: 'internal_error', detail };
  }

  private adoptPage(page: BotPage): number {
    this.pageSeq += 1;
    const seq = this.pageSeq;
    this.page = page;
    const sink = this.ports.meetingEvents;
    this.offPage = page.onEvent((event) => {
      // What the bot sees goes to its log, not through the inbox: it never changes the bot's state.
      if (event.type === 'meeting-events') sink?.report(seq, event.events);
      else if (event.type === 'meeting-events-dropped') sink?.dropped(event.dropped, event.truncated);
      else if (event.type !== 'chat-result') this.inbox.push({ type: 'page', pageSeq: seq, event });
    });
    return seq;
  }

  private async leavePage(page: BotPage, timeoutMs: number): Promise<void> {
    try {
      await page.leave(timeoutMs);
    } catch (error) {
      this.logger.warn({ err: errorName(error) }, 'leave failed; closing the page');
    }
    await this.closePage();
  }

  /** Every try starts from a fresh page: the SDK keeps tokens in sessionStorage. */
  private async closePage(): Promise<void> {
    const page = this.page;
    this.offPage?.();
    this.offPage = undefined;
    this.page = undefined;
    if (!page) return;
    this.ports.meetingEvents?.pageClosed(this.pageSeq);
    try {
      await page.close();
    } catch (error) {
      this.logger.warn({ err: errorName(error) }, 'closing the page failed');
    }
  }
}

/** Errors are named, never printed whole: a message might carry a URL or a token. */
function errorName(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return typeof error;
}
