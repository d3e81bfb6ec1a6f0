import { describe, expect, it } from 'vitest';
import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import { botInMeeting, useSimClientFleet } from '../helpers/sim-client-fleet.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * docs/contract.md §12, as built: a killed worker's lease connection leaves Redis's client list at
 * once, so its bots are taken over within a few seconds instead of when its 10 s lease lapses. Real
 * worker processes (`WORKER_PAGE_DRIVER=sim-client`), a real kill -9.
 */
const sim = useSim();
const fleet = useSimClientFleet(sim);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a worker killed with -9', { timeout: 90_000 }, () => {
  it('has its bots back in their meetings from another worker well before its lease lapses, each once', async () => {
    const { bots, startWorker } = fleet();
    const doomed = await startWorker();
    const meetings = await Promise.all([0, 1, 2].map(() => sim.createMeeting()));
    const held = await Promise.all(meetings.map((m, i) => botInMeeting(bots, m.number, `Doomed ${i}`)));
    const survivor = await startWorker();
    // A watcher acts only once its own connection is 10 s old (after an outage everyone reconnects).
    await sleep(10_500);

    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBe('SIGKILL');

    const backAt = async (id: string): Promise<number | undefined> => {
      const view = await bots.get(id);
      if (view.state !== 'in_meeting') return undefined;
      return view.events
        .map((e) => (e.state === 'in_meeting' ? Date.parse(e.at) : 0))
        .find((at) => at > killedAt);
    };
    for (const { id } of held) {
      await expect.poll(() => backAt(id), { timeout: 30_000, interval: 100 }).toBeGreaterThan(killedAt);
    }
    const worst = Math.max(...(await Promise.all(held.map(async ({ id }) => (await backAt(id)) as number))));
    // The lease alone (10 s, then the reaper and a stall check) would take 10–12.5 s before a rejoin.
    expect(worst - killedAt).toBeLessThan(9_000);
    expect(survivor.output.join('')).toContain('taken for dead');

    for (const [i, meeting] of meetings.entries()) {
      const view = await sim.meeting(meeting.number);
      const id = held[i]?.id;
      expect(view.participants.filter((p) => p.customerKey === id && p.state === 'in_meeting')).toHaveLength(
        1,
      );
      expect(overlappingBotCopies(view)).toEqual([]);
      expect((await bots.get(id as string)).state).toBe('in_meeting');
    }
    expect(doomed.descendants()).toEqual([]);
  });
});
