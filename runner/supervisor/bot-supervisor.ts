import type { BotRequest } from '../../shared/bot-request.js';
import type { BotState } from '../../shared/bot-states.js';
import type { PageJoinParams } from '../../shared/bridge.js';
import type { EndReason } from '../../shared/end-reasons.js';
import { GENERIC_CODE, GENERIC_REFUSAL_RETRIES } from '../../shared/sdk-signals.js';
import type { BotPage } from '../browser/bot-page.js';
import type { Logger } from '../log/logger.js';
import { isZoomError } from '../zoom/zoom-errors.js';
import { type AttemptContext, AttemptFollower, type BotTimers } from './attempt.js';
import type { AttemptEnd, Departure, InboxItem } from './attempt-types.js';
import { BotLifecycle } from './bot-lifecycle.js';
import { Inbox } from './inbox.js';
import type { BotRecorder, Clock, CredentialSource, JoinCredentials, OurBots, PageSource } from './ports.js';
import { RejoinPolicy } from './rejoin-policy.js';
import { type ResolvedSettings, resolveSettings, type SupervisorSettings } from './supervisor-settings.js';

export type BotOutcome =
  | { kind: 'ended'; reason: EndReason; code?: number; detail?: string }
  /** The bot left its meeting for another worker: requeue the job for an immediate rejoin. */
  | { kind: 'handoff' };

/** Where a job starts: new, or picked up again after a worker crash or a handoff. */
export type StartSituation =
  | { kind: 'fresh' }
  | {
      kind: 'resume';
      /** The bot view's state when the job was picked up again. */
      state: BotState;
      /** The bot had been in the meeting: its first way back counts as a rejoin. */
      wasInMeeting: boolean;
      attempts: number;
      rejoins: number;
      /** If `state` is `leaving`: the reason it was leaving for. Default `left_by_request`. */
      leavingFor?: EndReason;
    };

export interface SupervisorPorts {
  credentials: CredentialSource;
  pages: PageSource;
  recorder: BotRecorder;
  ourBots: OurBots;
  clock: Clock;
}

export interface BotSupervisorOptions {
  botId: string;
  request: BotRequest;
  ports: SupervisorPorts;
  settings: SupervisorSettings;
  logger: Logger;
  /** Default `{kind: 'fresh'}`. */
  start?: StartSituation;
}

type RetryEnd = Extract<AttemptEnd, { kind: 'retry' }>;

const STOPPED = Symbol('stopped');

/**
 * One bot's life in one worker, as an explicit state machine over contract §4's states: mint, join,
 * follow the meeting, rejoin after drops (contract §5), leave on request, rule, shutdown or abort.
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
  private pageSeq = 0;
  private offPage: (() => void) | undefined;
  private genericRefusals = 0;
  private authoriserAbsentSince: number | undefined;
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
    this.policy = new RejoinPolicy(
      this.settings.rejoinMax,
      this.settings.rejoinBackoffMs,
      this.settings.maxBackoffMs,
    );
    this.timers = {
      everInMeeting: resume?.wasInMeeting ?? false,
      firstInMeetingAt: undefined,
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
      this.enterMinting();
      let credentials: JoinCredentials | typeof STOPPED;
      try {
        credentials = await this.untilStopped(this.ports.credentials.mint(this.botId, this.request));
      } catch (error) {
        const outcome = await this.mintFailed(error);
        if (outcome) return outcome;
        continue;
      }
      if (credentials === STOPPED) continue;

      let page: BotPage | typeof STOPPED;
      try {
        page = await this.untilStopped(this.ports.pages.open(this.botId), (late) => void late.close());
      } catch (error) {
        const outcome = await this.retry({ kind: 'retry', cause: 'page_failed', detail: errorName(error) });
        if (outcome) return outcome;
        continue;
      }
      if (page === STOPPED) continue;
      const seq = this.adoptPage(page);

      this.lifecycle.countAttempt();
      this.lifecycle.transition('joining', this.authoriserAbsentSince ? { reason: 'fresh OBF' } : {});
      try {
        const joined = await this.untilStopped(page.join(this.joinParams(credentials)));
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

  private enterMinting(): void {
    // A resume from the meeting, or a retry, passes through `rejoining` when the table asks for it.
    if (!this.lifecycle.can('minting')) {
      this.lifecycle.transition('rejoining', { reason: this.start.kind === 'resume' ? 'resume' : 'retry' });
    }
    this.lifecycle.transition('minting');
  }

  private joinParams(credentials: JoinCredentials): PageJoinParams {
    const r = this.request;
    return {
      meetingNumber: r.meetingNumber,
      signature: credentials.signature,
      userName: r.displayName,
      customerKey: this.botId,
      ...(r.passcode !== undefined ? { password: r.passcode } : {}),
      ...(credentials.zak !== undefined ? { zak: credentials.zak } : {}),
      ...(credentials.obfToken !== undefined ? { obfToken: credentials.obfToken } : {}),
      ...(r.registrantToken !== undefined ? { tk: r.registrantToken } : {}),
      ...(r.email !== undefined ? { userEmail: r.email } : {}),
    };
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
        this.genericRefusals = 0;
        this.authoriserAbsentSince = undefined;
      },
    };
  }

  /** Mint errors: typed Zoom errors end with `auth_failed` and their code, retryable ones are retried first. */
  private async mintFailed(error: unknown): Promise<BotOutcome | undefined> {
    if (!isZoomError(error)) {
      this.logger.error({ err: errorName(error) }, 'minting failed with an unexpected error');
      return this.endNow('internal_error', undefined, `mint: ${errorName(error)}`);
    }
    this.logger.warn({ code: error.code, retryable: error.retryable }, 'minting failed');
    if (!error.retryable) return this.endNow('auth_failed', undefined, error.code);
    const delay = this.policy.next();
    if (delay === 'exhausted') return this.endNow('auth_failed', undefined, error.code);
    this.lifecycle.transition('rejoining', { reason: error.code });
    await this.pause(delay);
    return undefined;
  }

  /** Closes the attempt's page and waits before the next try, or ends when the budget is spent. */
  private async retry(end: RetryEnd): Promise<BotOutcome | undefined> {
    await this.closePage();
    this.logger.info({ cause: end.cause, code: end.code }, 'join attempt over; trying again');
    if (end.cause === 'authoriser_absent') {
      const now = this.ports.clock.now();
      this.authoriserAbsentSince ??= now;
      const left =
        (this.settings.authoriserAbsentMs ?? Number.POSITIVE_INFINITY) - (now - this.authoriserAbsentSince);
      if (left <= 0) return this.endNow('authoriser_absent_timeout', end.code, end.detail);
      // The bot stays `joining` while the authoriser is awaited; the next try mints a fresh OBF token.
      await this.pause(Math.min(this.settings.obfRetryMs, left));
      return undefined;
    }
    let delay: number | 'exhausted';
    if (end.cause === 'generic_refusal') {
      this.genericRefusals += 1;
      if (this.genericRefusals > GENERIC_REFUSAL_RETRIES) {
        return this.endNow('join_refused', end.code ?? GENERIC_CODE, end.detail);
      }
      delay = this.settings.rejoinBackoffMs;
    } else {
      delay = this.policy.next();
    }
    if (delay === 'exhausted') {
      if (this.timers.everInMeeting) return this.endNow('rejoin_limit', end.code, end.detail ?? end.cause);
      if (end.code !== undefined) return this.endNow('join_refused', end.code, end.detail);
      return this.endNow('internal_error', undefined, end.detail ?? end.cause);
    }
    this.lifecycle.transition('rejoining', {
      reason: end.cause,
      ...(end.code !== undefined ? { code: end.code } : {}),
    });
    await this.pause(delay);
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
    this.offPage = page.onEvent((event) => this.inbox.push({ type: 'page', pageSeq: seq, event }));
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
    try {
      await page.close();
    } catch (error) {
      this.logger.warn({ err: errorName(error) }, 'closing the page failed');
    }
  }

  private async pause(ms: number): Promise<void> {
    if (ms > 0 && !this.stopper.signal.aborted) await this.ports.clock.sleep(ms, this.stopper.signal);
  }

  /** `work`, or `STOPPED` as soon as a departure is asked for; a late result goes to `discard`. */
  private async untilStopped<T>(work: Promise<T>, discard?: (late: T) => void): Promise<T | typeof STOPPED> {
    const signal = this.stopper.signal;
    let onStop: (() => void) | undefined;
    const stopped = new Promise<typeof STOPPED>((resolve) => {
      onStop = () => resolve(STOPPED);
      if (signal.aborted) onStop();
      else signal.addEventListener('abort', onStop, { once: true });
    });
    try {
      const result = await Promise.race([work, stopped]);
      if (result === STOPPED)
        work.then(
          (late) => discard?.(late),
          () => {},
        );
      return result;
    } finally {
      if (onStop) signal.removeEventListener('abort', onStop);
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
