import type { BotState } from '../../shared/bot-states.js';

/**
 * A chat message for a bot that is not `in_meeting` on this worker right now (docs/contract.md §11):
 * the API answers 409 `not_in_meeting` before it gets here; this covers the moments in between.
 */
export class BotNotInMeetingError extends Error {
  readonly code = 'not_in_meeting';
  constructor(
    readonly botId: string,
    readonly state: BotState,
  ) {
    super(`bot ${botId} is ${state}, not in_meeting`);
    this.name = 'BotNotInMeetingError';
  }
}
