import { expect } from 'vitest';
import type { BotService } from '../../runner/queue/bot-service.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import type { useSim } from './sim-harness.js';

/** Bots of the fault scenarios: queued by the operator, waited for until `in_meeting`. */
type Bots = Pick<BotService, 'enqueue' | 'get'>;
type Sim = Pick<ReturnType<typeof useSim>, 'meeting'>;

async function untilInMeeting(service: Bots, bots: readonly BotView[]): Promise<void> {
  for (const bot of bots) {
    await expect
      .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 30_000 })
      .toBe('in_meeting');
  }
}

/** Two bots in one meeting, the first with a ZAK, the second anonymously (no token), both in. */
export async function twoBotsIn(service: Bots, meetingNumber: string): Promise<[BotView, BotView]> {
  const { bot: first } = await service.enqueue(OPERATOR, {
    meetingNumber,
    displayName: 'First',
    auth: { type: 'zak' },
  });
  const { bot: second } = await service.enqueue(OPERATOR, {
    meetingNumber,
    displayName: 'Second',
    auth: { type: 'none' },
  });
  await untilInMeeting(service, [first, second]);
  return [first, second];
}

/** The bot's participants that are in its meeting now. */
export async function liveCopies(sim: Sim, bot: BotView) {
  return (await sim.meeting(bot.meetingNumber)).participants.filter(
    (p) => p.customerKey === bot.id && p.state === 'in_meeting',
  );
}

/**
 * One ZAK bot per meeting, `names[i]` in `meetingNumbers[i]`, each in with exactly one participant;
 * `firstCopies[i]` is that participant's id, to tell a later copy from it.
 */
export async function oneBotPerMeeting(
  service: Bots,
  sim: Sim,
  meetingNumbers: readonly string[],
  names: readonly string[],
): Promise<{ bots: BotView[]; firstCopies: number[][] }> {
  const bots: BotView[] = [];
  for (const [i, meetingNumber] of meetingNumbers.entries()) {
    const displayName = names[i] ?? `Bot ${i}`;
    bots.push((await service.enqueue(OPERATOR, { meetingNumber, displayName, auth: { type: 'zak' } })).bot);
  }
  await untilInMeeting(service, bots);
  const firstCopies = await Promise.all(
    bots.map(async (bot) => (await liveCopies(sim, bot)).map((p) => p.id)),
  );
  for (const ids of firstCopies) expect(ids).toHaveLength(1);
  return { bots, firstCopies };
}
