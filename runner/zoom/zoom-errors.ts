/**
 * Errors of everything the runner mints from Zoom. Each class carries the policy a caller acts on:
 * `code` (becomes a bot's `endDetail` under end reason `auth_failed`) and `retryable` (a fresh attempt
 * may succeed; a non-retryable one becomes BullMQ's `UnrecoverableError` at the worker boundary).
 * Zoom's own `code` and `message` are kept: they name users or meetings, never a secret. Errors never
 * carry a URL with a query string, a header or a token.
 */

import type { MintError } from '../supervisor/ports.js';

export interface ZoomErrorDetails {
  /** HTTP status of Zoom's answer, when there was one. */
  status?: number;
  /** Zoom's `code` from the error body (e.g. 124, 1001, 429). */
  zoomCode?: number;
  /** Zoom's `message` (e.g. "User does not exist: bot@example.com."). */
  zoomMessage?: string;
  /** What the runner was doing, e.g. `mint_zak`, `oauth_token`; never a URL. */
  operation?: string;
}

/** Implements the supervisor's `MintError` port: a mint that throws one ends `auth_failed` with its code. */
export abstract class ZoomError extends Error implements MintError {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  readonly status: number | undefined;
  readonly zoomCode: number | undefined;
  readonly zoomMessage: string | undefined;
  readonly operation: string | undefined;

  constructor(message: string, details: ZoomErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.status = details.status;
    this.zoomCode = details.zoomCode;
    this.zoomMessage = details.zoomMessage;
    this.operation = details.operation;
  }

  /** One line for a bot's `endDetail`: our code, then Zoom's code and message when Zoom gave them. */
  get endDetail(): string {
    const zoom = this.zoomCode !== undefined ? ` (Zoom ${this.zoomCode}: ${this.zoomMessage ?? ''})` : '';
    return `${this.code}${zoom}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      status: this.status,
      zoomCode: this.zoomCode,
      zoomMessage: this.zoomMessage,
      operation: this.operation,
    };
  }
}

/** OAuth refused the client id/secret or account id: nothing will work until the config changes. */
export class ZoomAuthInvalidCredentialsError extends ZoomError {
  readonly code = 'zoom_auth_invalid_credentials';
  readonly retryable = false;
}

/** Zoom refused our access token (401 code 124) even after a fresh one was fetched. */
export class ZoomAccessTokenRejectedError extends ZoomError {
  readonly code = 'zoom_access_token_rejected';
  readonly retryable = false;
}

/** The app lacks a scope the call needs (Zoom 4711/4700 or 403). */
export class ZoomScopeMissingError extends ZoomError {
  readonly code = 'zoom_scope_missing';
  readonly retryable = false;
}

export class ZoomUserNotFoundError extends ZoomError {
  readonly code = 'zoom_user_not_found';
  readonly retryable = false;
}

export class ZoomUserExistsError extends ZoomError {
  readonly code = 'zoom_user_exists';
  readonly retryable = false;
}

/** Per-second limit still hit after waiting as Zoom asked, a bounded number of times. */
export class ZoomRateLimitedError extends ZoomError {
  readonly code = 'zoom_rate_limited';
  readonly retryable = true;
}

/** The account's daily budget for a category is spent; retrying before `retryAt` only burns attempts. */
export class ZoomDailyLimitError extends ZoomError {
  readonly code = 'zoom_daily_limit';
  readonly retryable = false;
  constructor(
    message: string,
    details: ZoomErrorDetails & { retryAt?: Date | undefined; category?: string } = {},
  ) {
    super(message, details);
    this.retryAt = details.retryAt;
    this.category = details.category;
  }
  readonly retryAt: Date | undefined;
  readonly category: string | undefined;
}

/** Network errors, timeouts or 5xx after the bounded retries. */
export class ZoomUnavailableError extends ZoomError {
  readonly code = 'zoom_unavailable';
  readonly retryable = true;
}

/** Zoom answered 2xx with a body we cannot use (not JSON, wrong shape). */
export class ZoomBadResponseError extends ZoomError {
  readonly code = 'zoom_bad_response';
  readonly retryable = false;
}

/** Any other 4xx Zoom refusal (validation 300, meeting not found 3001, ...). */
export class ZoomRequestRefusedError extends ZoomError {
  readonly code = 'zoom_request_refused';
  readonly retryable = false;
}

export type TokenCallbackProblem = 'timeout' | 'network' | 'status' | 'bad_body' | 'server_error';

/**
 * The deployment's token callback (docs/contract.md §7) did not give us a token. Timeouts, network errors and
 * 5xx may pass (retryable); a 4xx or a malformed body will not until someone fixes the receiver.
 */
export class TokenCallbackFailedError extends ZoomError {
  readonly code = 'token_callback_failed';
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly problem: TokenCallbackProblem,
    details: ZoomErrorDetails = {},
  ) {
    super(message, details);
    this.retryable = problem === 'timeout' || problem === 'network' || problem === 'server_error';
  }
  override get endDetail(): string {
    return `${this.code} (${this.problem}${this.status !== undefined ? ` ${this.status}` : ''})`;
  }
}

export class InvalidMeetingNumberError extends ZoomError {
  readonly code = 'invalid_meeting_number';
  readonly retryable = false;
}

/** A user argument the runner refuses before asking Zoom (`me`, empty, or with path characters). */
export class InvalidZoomUserError extends ZoomError {
  readonly code = 'invalid_zoom_user';
  readonly retryable = false;
}

/** Two bots of one Zoom user in one meeting, or no free pool user left (docs/contract.md §3: 409). */
export class ZoomUserBusyError extends ZoomError {
  readonly code = 'zoom_user_in_meeting';
  readonly retryable = false;
}

export class PoolExhaustedError extends ZoomError {
  readonly code = 'zoom_pool_exhausted';
  readonly retryable = false;
}

export function isZoomError(error: unknown): error is ZoomError {
  return error instanceof ZoomError;
}

/** A bot asks for `auth: callback` but this deployment has no TOKEN_CALLBACK_SECRET to sign with. */
export class TokenCallbackNotConfiguredError extends ZoomError {
  readonly code = 'token_callback_not_configured';
  readonly retryable = false;
}

/** A bot asks for the service user's ZAK but ZOOM_BOT_USER is not set (Zoom mode). */
export class ServiceUserMissingError extends ZoomError {
  readonly code = 'zoom_bot_user_missing';
  readonly retryable = false;
}
