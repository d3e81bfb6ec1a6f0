import type { BotRequest } from '../../shared/bot-request.js';
import type { BotState } from '../../shared/bot-states.js';
import type {
  PageInitOptions,
  PageJoinParams,
  PageMeetingEvent,
  PageMessage,
  PageParticipant,
} from '../../shared/bridge.js';
import type { EndReason } from '../../shared/end-reasons.js';
import type { DropKind } from '../../shared/meeting-event-bounds.js';

/**
 * The narrow ports the per-bot supervisor drives. Each has one production implementation
 * (Puppeteer pages, Zoom clients, the Redis bot store) and can be an object literal in tests.
 */

/**
 * What the page reports, plus what only the runner can see: the page's renderer crashing, closing,
 * or hung (docs/contract.md §12).
 */
export type BotPageEvent =
  | PageMessage
  /** `browserGone`: the whole Chromium died (killed, OOM), not only this page's renderer. */
  | { type: 'crashed'; message: string; browserGone?: boolean }
  | { type: 'closed' }
  /**
   * No beat, or a CDP call unanswered, for 10 s: the page's context was killed, or with
   * `browserHung` (the browser did not answer either) its whole Chromium. Nothing follows it.
   */
  | { type: 'hung'; browserHung: boolean; message: string };

/**
 * The page port the supervisor drives. The Puppeteer implementation is `PuppeteerBotPage`
 * (runner/browser); the supervisor's logic can be tested with an object literal.
 */
export interface BotPage {
  /** Initialises the SDK (warm pages do this before a job arrives). Resolves once the SDK reported. */
  init(options: PageInitOptions): Promise<void>;
  /** Hands the join parameters to the page. The outcome arrives as events. */
  join(params: PageJoinParams): Promise<void>;
  /** Asks the SDK to leave; after `timeoutMs` without an answer the page is closed instead. */
  leave(timeoutMs: number): Promise<void>;
  /** Closes the page's browser context (its storage and tokens go with it). Idempotent. */
  close(): Promise<void>;
  /**
   * Every report: state signals, and what the bot sees of its meeting (`meeting-events`,
   * `meeting-events-dropped`, docs/contract.md §11), in the order the page sent them.
   */
  onEvent(listener: (event: BotPageEvent) => void): () => void;
  /**
   * Posts `text` to everyone, or privately to participant `to`, through the SDK's `sendChat`. Resolves
   * once the SDK accepted it (the page has then reported a `chat.sent` meeting event); rejects with a
   * `BotPageError` otherwise.
   */
  sendChat(text: string, to?: number): Promise<void>;
}

/**
 * A typed refusal from `CredentialSource.mint` (runner/zoom's errors, and runner/http's
 * `UrlNotAllowedError` for token callbacks): the supervisor ends the bot `auth_failed` with `code`,
 * after retries when `retryable`. Anything else a mint throws is an `internal_error`.
 */
export interface MintError extends Error {
  readonly code: string;
  readonly retryable: boolean;
}

/** Structural, so the supervisor needs no import of the classes that implement it. */
export function isMintError(error: unknown): error is MintError {
  if (!(error instanceof Error)) return false;
  const { code, retryable } = error as Partial<MintError>;
  return typeof code === 'string' && typeof retryable === 'boolean';
}

/** What one join attempt needs, minted at the last moment and never reused. Secrets: never log. */
export interface JoinCredentials {
  signature: string;
  zak?: string;
  obfToken?: string;
  /** The Zoom user the bot joins as (ZAK user, or OBF authoriser), for "same user" checks. */
  zoomUser?: string;
}

export interface CredentialSource {
  /**
   * Mints a signature and the ZAK/OBF the request's `auth` asks for. Throws `MintError`s (their
   * `code` becomes the bot's `endDetail` with `auth_failed`).
   */
  mint(botId: string, request: BotRequest): Promise<JoinCredentials>;
  /** Frees what the bot held across attempts (its pool user in the meeting), once it has ended. */
  release?(botId: string, request: BotRequest): Promise<void>;
}

export interface PageSource {
  /** A page in its own browser context, loaded and with the SDK initialised (warm when possible). */
  open(botId: string): Promise<BotPage>;
}

export interface StateChange {
  state: BotState;
  reason?: string;
  code?: string | number;
  /** Ended bots only. */
  endReason?: EndReason;
  endDetail?: string;
  attempts?: number;
  rejoins?: number;
}

/**
 * A write about a bot from the worker that runs it: accepted only while that worker still holds the
 * bot's job lock, so a stale copy (a frozen or partitioned worker) never overwrites the live one.
 */
export interface RecordFence {
  lockToken: string;
}

/** Where progress goes: the bot view (API, dashboard) and its events, and webhooks after it. */
export interface BotRecorder {
  /** A fenced write that the lock no longer allows is dropped, not an error: the bot has a new owner. */
  record(botId: string, change: StateChange, fence?: RecordFence): Promise<void>;
  /**
   * Resolves once every change handed over for `botId` is stored or given up (a recorder that retries
   * in the background); recorders that store before `record` resolves leave it out.
   */
  settled?(botId: string): Promise<void>;
}

/**
 * Where one bot's meeting events go (docs/contract.md §11): the per-bot log in Redis. The supervisor
 * hands over what each page reports, tagged with the page, so the log can tell a rejoin's fresh
 * roster from new arrivals; it never waits on the log.
 */
export interface MeetingEventSink {
  /** Events page `pageSeq` reported, in order. */
  report(pageSeq: number, events: readonly PageMeetingEvent[]): void;
  /** What the page left out (rate bounds, unreadable payloads) since its last such report. */
  dropped(counts: Readonly<Partial<Record<DropKind, number>>>, truncated: number): void;
  /** Page `pageSeq` is closed: the bot is out of the meeting until a later page reports. */
  pageClosed(pageSeq: number): void;
  /**
   * True once for the bot's whole life, across rejoins and workers: the caller posts `chat.onJoin`.
   * `release` gives the claim back (the post failed), so the next `in_meeting` tries again.
   */
  claimOnJoin(): Promise<boolean>;
  releaseOnJoin(): Promise<void>;
}

/** Tells the runner's own bots apart from people, for the "alone" rule (docs/contract.md §4). */
export interface OurBots {
  isOurs(meetingNumber: string, participant: PageParticipant): boolean;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
