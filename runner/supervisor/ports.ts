import type { BotRequest } from '../../shared/bot-request.js';
import type { BotState } from '../../shared/bot-states.js';
import type { PageParticipant } from '../../shared/bridge.js';
import type { EndReason } from '../../shared/end-reasons.js';
import type { BotPage } from '../browser/bot-page.js';

/**
 * The narrow ports the per-bot supervisor drives. Each has one production implementation
 * (Puppeteer pages, Zoom clients, the Redis bot store) and can be an object literal in tests.
 */

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
   * Mints a signature and the ZAK/OBF the request's `auth` asks for. Throws the typed errors of
   * `runner/zoom/zoom-errors.ts` (their `code` becomes the bot's `endDetail` with `auth_failed`).
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

/** Where progress goes: the bot view (API, dashboard) and its events, and webhooks after it. */
export interface BotRecorder {
  record(botId: string, change: StateChange): Promise<void>;
}

/** Tells the runner's own bots apart from people, for the "alone" rule (contract §4). */
export interface OurBots {
  isOurs(meetingNumber: string, participant: PageParticipant): boolean;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
