import type { ErrorBody } from '../../shared/error-body.js';

/**
 * Errors of the bot operations, each carrying its HTTP status and docs/contract.md §6 error code, so the
 * HTTP API maps them in one place (`toBody`) and the producer library throws the very same ones.
 */
export abstract class BotServiceError extends Error {
  abstract readonly status: 403 | 404 | 409 | 422 | 429;
  abstract readonly code: string;
  readonly field: string | undefined = undefined;
  /** A 429's `Retry-After` (whole seconds), where waiting is the answer. */
  readonly retryAfterSec: number | undefined = undefined;

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
      },
    };
  }
}

/** 422: the request (or a list query) failed validation; `field` is its dotted path. */
export class BotRequestError extends BotServiceError {
  readonly status = 422;
  readonly code = 'validation_failed';
  override readonly field: string;

  constructor(field: string, message: string) {
    super(field ? `${field}: ${message}` : message);
    this.field = field;
  }
}

export class BotNotFoundError extends BotServiceError {
  readonly status = 404;
  readonly code = 'not_found';

  constructor(readonly botId: string) {
    super(`No bot ${botId}`);
  }
}

/** 409: docs/contract.md §3, one Zoom user is never in one meeting twice. */
export class SameUserInMeetingError extends BotServiceError {
  readonly status = 409;
  readonly code = 'same_user_in_meeting';

  /** `existingBotId` only when the caller may see that bot (its own tenant's). */
  constructor(
    readonly meetingNumber: string,
    readonly existingBotId?: string,
  ) {
    super(
      `Meeting ${meetingNumber} already has a live bot ${existingBotId !== undefined ? `(${existingBotId}) ` : ''}joining as the same Zoom user; ` +
        "use another user (auth.user, 'pool') or auth 'none'",
    );
  }
}

/**
 * 403: docs/contract.md §10, the request names a Zoom user (`auth.user`, for ZAK and OBF alike) that is
 * not on the caller's allowlist.
 */
export class ZoomUserNotAllowedError extends BotServiceError {
  readonly status = 403;
  readonly code = 'zoom_user_not_allowed';
  override readonly field = 'auth.user';

  constructor(readonly user: string) {
    super(`auth.user: ${user} is not a Zoom user this key may send a bot as or on behalf of`);
  }
}

/** 429: the tenant already holds as many live bots (every state but `ended`) as it may. */
export class QuotaExceededError extends BotServiceError {
  readonly status = 429;
  readonly code = 'quota_exceeded';

  constructor(
    readonly tenant: string,
    readonly limit: number,
  ) {
    super(`Tenant ${tenant} holds its limit of ${limit} live bots; wait for one to end, or end one`);
  }
}

/** 429: the tenant's enqueue rate is spent for now; `retryAfterSec` becomes `Retry-After`. */
export class RateLimitedError extends BotServiceError {
  readonly status = 429;
  readonly code = 'rate_limited';

  constructor(
    readonly tenant: string,
    readonly ratePerSec: number,
    override readonly retryAfterSec: number,
  ) {
    super(`Tenant ${tenant} may queue at most ${ratePerSec} bots per second; retry in ${retryAfterSec} s`);
  }
}

export function isBotServiceError(error: unknown): error is BotServiceError {
  return error instanceof BotServiceError;
}
