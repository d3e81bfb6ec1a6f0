import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import type { ParticipantView } from '../../zoom-sim/meetings/participant.js';
import type { BatchBot } from './bot-batch.js';
import type { SimControl } from './sim-control.js';

/** A bot's one participant now in its meeting, as the sim sees it; undefined when not exactly one. */
export async function soleParticipant(
  control: SimControl,
  bot: BatchBot,
): Promise<ParticipantView | undefined> {
  const present = await control.botParticipants(bot.meetingNumber, bot.botId);
  return present.length === 1 ? present[0] : undefined;
}

/** What the sim says about a bot's return: a new participant, on a token it never used before. */
export interface ReturnCheck {
  newParticipant: boolean;
  newToken: boolean;
  /** Participants of this bot in the meeting now (1 when all is well). */
  present: number;
}

export async function checkReturn(
  control: SimControl,
  bot: BatchBot,
  before: ParticipantView,
  tokensUsed: ReadonlySet<string>,
): Promise<ReturnCheck> {
  const present = await control.botParticipants(bot.meetingNumber, bot.botId);
  const now = present.length === 1 ? present[0] : undefined;
  return {
    newParticipant: now !== undefined && now.id !== before.id,
    newToken: now?.tokenId != null && !tokensUsed.has(now.tokenId),
    present: present.length,
  };
}

/** Every moment any of these meetings held two copies of one bot (empty: never). */
export async function overlapsIn(control: SimControl, meetings: readonly string[]): Promise<string[]> {
  const views = await Promise.all(meetings.map((number) => control.meeting(number)));
  return views.flatMap((view) => overlappingBotCopies(view).map((problem) => `${view.number} ${problem}`));
}
