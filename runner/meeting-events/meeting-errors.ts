import type { BotState } from '../../shared/bot-states.js';
import { BotServiceError } from '../queue/bot-errors.js';

/** 409: docs/contract.md §11, a chat message for a bot that is not `in_meeting`. */
export class NotInMeetingError extends BotServiceError {
  readonly status = 409;
  readonly code = 'not_in_meeting';

  constructor(
    readonly botId: string,
    readonly state: BotState,
  ) {
    super(`Bot ${botId} is ${state}: chat is sent only while it is in_meeting`);
  }
}

/** 429: docs/contract.md §11 (as built), the bot said as much in its meeting as it may this minute. */
export class ChatRateLimitedError extends BotServiceError {
  readonly status = 429;
  readonly code = 'rate_limited';

  constructor(
    readonly botId: string,
    readonly perMinute: number,
    override readonly retryAfterSec: number,
  ) {
    super(`Bot ${botId} may send at most ${perMinute} chat messages a minute; retry in ${retryAfterSec} s`);
  }
}

/** 429: docs/contract.md §11 (as built), the tenant holds as many meeting-event streams open here as it may. */
export class TooManyStreamsError extends BotServiceError {
  readonly status = 429;
  readonly code = 'too_many_streams';

  constructor(
    readonly tenant: string,
    readonly limit: number,
  ) {
    super(
      `Tenant ${tenant} already has ${limit} meeting-event streams open on this api process; close one first`,
    );
  }
}
