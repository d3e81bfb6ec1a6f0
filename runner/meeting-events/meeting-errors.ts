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
