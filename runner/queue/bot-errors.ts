import type { ErrorBody } from '../../shared/error-body.js';

/**
 * Errors of the bot operations, each carrying its HTTP status and contract §6 error code, so the
 * HTTP API maps them in one place (`toBody`) and the producer library throws the very same ones.
 */
export abstract class BotServiceError extends Error {
  abstract readonly status: 404 | 409 | 422;
  abstract readonly code: string;
  readonly field: string | undefined = undefined;

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

/** 409: contract §3, one Zoom user is never in one meeting twice. */
export class SameUserInMeetingError extends BotServiceError {
  readonly status = 409;
  readonly code = 'same_user_in_meeting';

  constructor(
    readonly meetingNumber: string,
    readonly existingBotId: string,
  ) {
    super(
      `Meeting ${meetingNumber} already has a live bot (${existingBotId}) joining as the same Zoom user; ` +
        "use another user (auth.user, 'pool') or auth 'none'",
    );
  }
}

export function isBotServiceError(error: unknown): error is BotServiceError {
  return error instanceof BotServiceError;
}
