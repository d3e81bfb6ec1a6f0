import type { EndReason } from '../../shared/end-reasons.js';
import type { BotPageEvent } from './ports.js';

/** Why the bot leaves its meeting on our side. */
export type Departure =
  /** A leave request or a leave rule: the bot ends with this reason. */
  | { kind: 'end'; reason: EndReason }
  /** Shutdown in handoff mode: leave, and the job is requeued for another worker. */
  | { kind: 'handoff' }
  /** The run's signal aborted (lost lock, hard stop): leave at once, record nothing. */
  | { kind: 'abort' };

/** Items of the supervisor's inbox: page events, tagged with the page they came from, and wake-ups. */
export type InboxItem = { type: 'page'; pageSeq: number; event: BotPageEvent } | { type: 'wake' };

export type RetryCause =
  /** Lost the meeting after being in it (Fail -3000, unlisted Closed). */
  | 'drop'
  /** The SDK's own failover reconnect did not get back within the grace period. */
  | 'reconnect_timeout'
  /** A refusal that a fresh token and signature may fix (4005, 3623, 3705, connection error). */
  | 'refused'
  /** Zoom's generic 200 with its own message: retried twice, then the bot ends. */
  | 'generic_refusal'
  /** 4017: the OBF authoriser is not in the meeting yet. */
  | 'authoriser_absent'
  /** In the meeting, its page crashed or was closed (renderer gone, out of memory). */
  | 'page_crashed'
  /** In the meeting, the whole Chromium holding its page died. */
  | 'browser_crashed'
  /**
   * Its page stopped beating or answering (docs/contract.md §12) and its context was killed. Named so
   * whether or not the bot had got in: a hang points at the page, not at Zoom or the join.
   */
  | 'page_hung'
  /** As `page_hung`, and the browser did not answer either: its whole Chromium was killed. */
  | 'browser_hung'
  /** The page crashed, closed or refused the join before the bot got in. */
  | 'page_failed'
  /** No sign of life from the join within `joinTimeoutMs`. */
  | 'join_timeout';

/** How one join attempt (one page) finished. */
export type AttemptEnd =
  /** We leave the meeting: the page is still in (or on its way into) Zoom. */
  | { kind: 'depart'; departure: Departure }
  /** Zoom ended the bot's session, or refused it for good: no leave needed, never rejoin. */
  | { kind: 'ended'; reason: EndReason; code?: number; detail?: string }
  /** Close this page and try again on a fresh page with a fresh token. */
  | { kind: 'retry'; cause: RetryCause; code?: number; detail?: string };
