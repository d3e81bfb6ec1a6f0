import { describe, expect, it } from 'vitest';
import { isProcessRunning, processTree } from '../../runner/browser/chromium-processes.js';
import type { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { rendererPid } from '../../testkit/renderer-pid.js';
import { stopProcesses } from '../../testkit/stop-processes.js';
import { twoBotsIn } from '../helpers/bots-in-meetings.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * docs/contract.md §12: a page that stops beating or answering is hung. A stopped renderer (a tab
 * stuck, a process frozen) costs only its own bot a rejoin (`page_hung`); a stopped Chromium costs
 * its bots a rejoin on a fresh one (`browser_hung`), and the frozen processes are killed, never left
 * holding a ghost copy in the meeting.
 */
const checks = useChaosChecks();
const rig = useWorkerRig();
const service = () => rig.runtime.layer.service;
const view = (id: string) => service().get(OPERATOR, id);
/** Frozen by a test: killed afterwards whatever happened, so a failure leaves nothing stopped. */
const frozen: number[] = [];

/** The bot's participants that are still in the meeting, or on their way in: never more than one. */
async function liveCopies(meetingNumber: string, botId: string) {
  const meeting = await rig.sim.meeting(meetingNumber);
  return meeting.participants.filter((p) => p.customerKey === botId && p.state !== 'left');
}

async function theOneCopy(meetingNumber: string, botId: string) {
  const copies = await liveCopies(meetingNumber, botId);
  expect(copies.map((p) => p.state)).toEqual(['in_meeting']);
  return copies[0] as (typeof copies)[number];
}

const rejoinReasons = async (id: string) =>
  (await view(id)).events.filter((e) => e.state === 'rejoining').map((e) => e.reason);

const stateAndRejoins = async (id: string) => {
  const { state, rejoins } = await view(id);
  return { state, rejoins };
};

function pageOf(botId: string): PuppeteerBotPage {
  const page = rig.runtime.pool.pageOf(botId);
  if (!page) throw new Error(`bot ${botId} has no page`);
  return page;
}

/** Stops the processes still there, remembers them for the clean-up, and returns them. */
function freeze(pids: readonly number[]): number[] {
  const stopped = stopProcesses(pids);
  frozen.push(...stopped);
  return stopped;
}

function killFrozen(): void {
  for (const pid of frozen.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Killed by the runner, as it should be.
    }
  }
}

async function pagesHung(scope: 'page' | 'browser'): Promise<number> {
  const text = await (await fetch(`${rig.runtime.http.url}/metrics`)).text();
  const match = new RegExp(`^zbr_pages_hung_total\\{scope="${scope}"\\} (\\d+)$`, 'm').exec(text);
  return Number(match?.[1] ?? 0);
}

async function leaveAll(bots: BotView[]): Promise<void> {
  for (const bot of bots) await service().leave(OPERATOR, bot.id);
  for (const bot of bots) {
    await expect.poll(async () => (await view(bot.id)).state, { timeout: 20_000 }).toBe('ended');
  }
}

describe('hung pages and browsers', () => {
  it('one bot’s renderer stopped: that bot alone rejoins (page_hung) within 15 s, its neighbour never moves', async () => {
    try {
      const meeting = await checks.createMeeting(rig.sim);
      const [hung, neighbour] = await twoBotsIn(service(), meeting.number);
      const hungBefore = await theOneCopy(meeting.number, hung.id);
      const neighbourBefore = await theOneCopy(meeting.number, neighbour.id);
      const renderer = await rendererPid(pageOf(hung.id).puppeteerPage);
      // Bots never share a renderer (a browser context each): freezing this one touches no other bot.
      expect(await rendererPid(pageOf(neighbour.id).puppeteerPage)).not.toBe(renderer);
      const pagesHungBefore = await pagesHung('page');

      expect(freeze([renderer])).toEqual([renderer]);
      const stoppedAt = Date.now();
      await expect
        .poll(() => stateAndRejoins(hung.id), { timeout: 15_000, interval: 250 })
        .toEqual({ state: 'in_meeting', rejoins: 1 });
      const backMs = Date.now() - stoppedAt;
      expect(backMs).toBeLessThan(15_000);
      expect(await rejoinReasons(hung.id)).toEqual(['page_hung']);
      // Its context was closed, and Chromium killed the frozen renderer with it (SIGTERM, then SIGKILL).
      await expect.poll(() => isProcessRunning(renderer), { timeout: 5_000 }).toBe(false);
      expect((await theOneCopy(meeting.number, hung.id)).id).not.toBe(hungBefore.id);
      expect(await pagesHung('page')).toBe(pagesHungBefore + 1);

      // The neighbour: same participant, never out.
      expect((await theOneCopy(meeting.number, neighbour.id)).id).toBe(neighbourBefore.id);
      expect(await view(neighbour.id)).toMatchObject({ state: 'in_meeting', rejoins: 0 });
      expect(await rejoinReasons(neighbour.id)).toEqual([]);
      console.info(`page-hang: renderer stopped → bot back in its meeting after ${backMs} ms`);
      await leaveAll([hung, neighbour]);
    } finally {
      killFrozen();
    }
  });

  it('a whole Chromium stopped: its bots rejoin (browser_hung) on a fresh one within 20 s, the frozen tree is killed', async () => {
    try {
      const meeting = await checks.createMeeting(rig.sim);
      const bots = await twoBotsIn(service(), meeting.number);
      const before = await Promise.all(bots.map((bot) => theOneCopy(meeting.number, bot.id)));
      const browserPid = pageOf(bots[0].id).puppeteerPage.browser().process()?.pid as number;
      expect(pageOf(bots[1].id).puppeteerPage.browser().process()?.pid).toBe(browserPid);
      // Browser, zygotes, renderers, GPU and network service: all of them stop.
      const browserHungBefore = await pagesHung('browser');
      const tree = freeze(processTree([browserPid]));
      const stoppedAt = Date.now();
      expect(tree).toContain(browserPid);
      expect(tree.length).toBeGreaterThan(3);
      for (const bot of bots) {
        await expect
          .poll(() => stateAndRejoins(bot.id), { timeout: 20_000 - (Date.now() - stoppedAt), interval: 250 })
          .toEqual({ state: 'in_meeting', rejoins: 1 });
      }
      const backMs = Date.now() - stoppedAt;
      expect(backMs).toBeLessThan(20_000);
      for (const [i, bot] of bots.entries()) {
        expect(await rejoinReasons(bot.id)).toEqual(['browser_hung']);
        expect((await theOneCopy(meeting.number, bot.id)).id).not.toBe(before[i]?.id);
      }
      // Every frozen process was killed: a stopped process ignores all but SIGKILL.
      await expect.poll(() => tree.filter(isProcessRunning), { timeout: 5_000 }).toEqual([]);
      expect(rig.runtime.pool.pids()).not.toContain(browserPid);
      // Both bots' pages (and the warm page, when it lived in that Chromium) counted.
      expect(await pagesHung('browser')).toBeGreaterThanOrEqual(browserHungBefore + 2);
      console.info(`page-hang: Chromium stopped → both bots back in their meeting after ${backMs} ms`);
      await leaveAll(bots);
    } finally {
      killFrozen();
    }
  });
});
