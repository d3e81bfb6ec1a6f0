import { describe, expect, it } from 'vitest';
import type { BotClient } from '../../runner/client/producer-client.js';
import type { BotView } from '../../shared/bot-view.js';
import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import { botInMeeting, eventAt, useSimClientFleet } from '../helpers/sim-client-fleet.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * docs/contract.md "Deployment limits": `MAX_BOT_DURATION_SEC` counts from the bot's first `in_meeting`
 * across handoffs and takeovers. Real `zoom-bot-runner worker` processes (`WORKER_PAGE_DRIVER=sim-client`)
 * pass a bot on; it must still end `max_duration` at its original deadline, not a full cap after the
 * second worker got it back in.
 */
const sim = useSim();
const simClientFleet = useSimClientFleet(sim);
const fleet = (capSec: number) => simClientFleet({ MAX_BOT_DURATION_SEC: String(capSec) });
const inMeeting = (bots: BotClient, meetingNumber: string) => botInMeeting(bots, meetingNumber, 'Capped Bot');

async function untilEnded(bots: BotClient, id: string, timeout: number): Promise<BotView> {
  await expect.poll(async () => (await bots.get(id)).state, { timeout, interval: 200 }).toBe('ended');
  return bots.get(id);
}

const sleepUntil = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** What a fleet owner checks after a fault: the bot never in its meeting twice, and out of it now. */
async function neverTwiceAndGone(meetingNumber: string, id: string): Promise<void> {
  const view = await sim.meeting(meetingNumber);
  expect(overlappingBotCopies(view)).toEqual([]);
  expect(view.participants.filter((p) => p.customerKey === id && p.state === 'in_meeting')).toEqual([]);
}

describe('MAX_BOT_DURATION_SEC across workers', { timeout: 90_000 }, () => {
  it('a bot handed off (SIGTERM) to a second worker ends max_duration at its first deadline', async () => {
    const CAP_MS = 15_000;
    const { bots, startWorker } = fleet(CAP_MS / 1000);
    const meeting = await sim.createMeeting();
    const first = await startWorker();
    const { id, firstIn } = await inMeeting(bots, meeting.number);
    await startWorker();
    await sleepUntil(firstIn + 7_000);

    first.child.kill('SIGTERM');
    const view = await untilEnded(bots, id, 30_000);

    expect(view.endReason).toBe('max_duration');
    // The second worker had it back in the meeting before the cap ran out.
    const handoff = view.events.findIndex((e) => e.state === 'rejoining' && e.reason === 'handoff');
    expect(handoff, view.events.map((e) => e.state).join(' → ')).toBeGreaterThan(0);
    eventAt(view, 'in_meeting', handoff);
    // Counted from the first in_meeting: ~15 s. Counted afresh after the handoff it would be ≥ 22 s.
    const tookMs = eventAt(view, 'ended') - firstIn;
    expect(tookMs).toBeGreaterThanOrEqual(CAP_MS - 500);
    expect(tookMs).toBeLessThan(CAP_MS + 4_000);
    await neverTwiceAndGone(meeting.number, id);
    expect(await first.exited).toBe(0);
    expect(first.descendants()).toEqual([]);
  });

  it('a bot taken over after its worker died (SIGKILL, stall recovery) ends max_duration at its first deadline', async () => {
    const CAP_MS = 20_000;
    const { bots, startWorker } = fleet(CAP_MS / 1000);
    const meeting = await sim.createMeeting();
    const doomed = await startWorker();
    const { id, firstIn } = await inMeeting(bots, meeting.number);
    await startWorker();
    await sleepUntil(firstIn + 4_000);

    doomed.child.kill('SIGKILL');
    const view = await untilEnded(bots, id, 45_000);

    expect(view.endReason).toBe('max_duration');
    const resumed = view.events.findIndex((e) => e.state === 'rejoining' && e.reason === 'resume');
    expect(resumed, view.events.map((e) => e.state).join(' → ')).toBeGreaterThan(0);
    // The bot is handed on 3–13 s after the kill (docs/contract.md §12): a fresh cap would end it ≥ 27 s in.
    const tookMs = eventAt(view, 'ended') - firstIn;
    expect(tookMs).toBeGreaterThanOrEqual(CAP_MS - 500);
    expect(tookMs).toBeLessThan(CAP_MS + 5_000);
    await neverTwiceAndGone(meeting.number, id);
    expect(doomed.descendants()).toEqual([]);
  });
});
