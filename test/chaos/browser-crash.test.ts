import { describe, expect, it } from 'vitest';
import { isProcessRunning } from '../../runner/browser/chromium-processes.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { twoBotsIn } from '../helpers/bots-in-meetings.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Chromium dies under the bots (the kernel's OOM killer, a crash) or one renderer crashes (a tab out
 * of memory). Each bot that lost its page comes back on a fresh one with a fresh token, saying why in
 * its events; a bot whose page was not touched stays where it is.
 */
const checks = useChaosChecks();
const rig = useWorkerRig();
const service = () => rig.runtime.layer.service;
const view = (id: string) => service().get(OPERATOR, id);

/** The bot's one live participant in the meeting (fails unless there is exactly one). */
const participant = (meetingNumber: string, botId: string) => rig.sim.botParticipant(meetingNumber, botId);

/** What a drop leaves in the bot's events: `rejoining` with the reason the runner named. */
const rejoinReasons = async (id: string) =>
  (await view(id)).events.filter((e) => e.state === 'rejoining').map((e) => e.reason);

async function leaveAll(bots: BotView[]): Promise<void> {
  for (const bot of bots) await service().leave(OPERATOR, bot.id);
  for (const bot of bots) {
    await expect.poll(async () => (await view(bot.id)).state, { timeout: 20_000 }).toBe('ended');
  }
}

describe('browser and page crashes', () => {
  it('Chromium killed with -9: both of its bots rejoin on a fresh Chromium, their events say browser_crashed', async () => {
    const meeting = await checks.createMeeting(rig.sim);
    const bots = await twoBotsIn(service(), meeting.number);
    const before = await Promise.all(bots.map((bot) => participant(meeting.number, bot.id)));
    const [browserPid, ...others] = rig.runtime.pool.pids();
    expect(others).toEqual([]);
    const tree = rig.runtime.pool.processTree();

    process.kill(browserPid as number, 'SIGKILL');
    // Its zygotes, renderers and utility processes go with it.
    await expect.poll(() => tree.filter(isProcessRunning), { timeout: 10_000 }).toEqual([]);

    for (const [i, bot] of bots.entries()) {
      await expect
        .poll(
          async () => {
            const { state, rejoins } = await view(bot.id);
            return { state, rejoins };
          },
          { timeout: 30_000 },
        )
        .toEqual({ state: 'in_meeting', rejoins: 1 });
      const after = await participant(meeting.number, bot.id);
      const earlier = before[i] as (typeof before)[number];
      expect(after.id).not.toBe(earlier.id);
      // twoBotsIn: the first joins with a ZAK, the second anonymously (no token).
      if (i === 0) {
        // A fresh ZAK: a token the bot's first copy did not use.
        expect(after.tokenId).toEqual(expect.any(String));
        expect(after.tokenId).not.toBe(earlier.tokenId);
      } else {
        expect(after.tokenId).toBeNull();
      }
      expect(await rejoinReasons(bot.id)).toEqual(['browser_crashed']);
    }
    expect(rig.runtime.pool.pids()).not.toContain(browserPid);
    await leaveAll(bots);
  });

  it('a crashed page takes only its own bot out: it rejoins, the other bot of that Chromium stays', async () => {
    const meeting = await checks.createMeeting(rig.sim);
    const [crashed, neighbour] = await twoBotsIn(service(), meeting.number);
    const neighbourBefore = await participant(meeting.number, neighbour.id);
    const crashedBefore = await participant(meeting.number, crashed.id);
    const page = rig.runtime.pool.pageOf(crashed.id);
    expect(page).toBeDefined();

    // The renderer crash Chromium reports for a tab that ran out of memory.
    const cdp = await page?.puppeteerPage.createCDPSession();
    void cdp?.send('Page.crash').catch(() => {});

    await expect
      .poll(
        async () => {
          const { state, rejoins } = await view(crashed.id);
          return { state, rejoins };
        },
        { timeout: 30_000 },
      )
      .toEqual({ state: 'in_meeting', rejoins: 1 });
    expect((await participant(meeting.number, crashed.id)).id).not.toBe(crashedBefore.id);
    expect(await rejoinReasons(crashed.id)).toEqual(['page_crashed']);
    // Same participant, never out of the meeting.
    expect((await participant(meeting.number, neighbour.id)).id).toBe(neighbourBefore.id);
    expect(await view(neighbour.id)).toMatchObject({ state: 'in_meeting', rejoins: 0 });
    expect(await rejoinReasons(neighbour.id)).toEqual([]);
    await leaveAll([crashed, neighbour]);
  });
});
