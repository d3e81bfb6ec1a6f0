import { isProcessRunning } from '../../runner/browser/chromium-processes.js';
import { rendererPid } from '../../testkit/renderer-pid.js';
import type { ParticipantView } from '../../zoom-sim/meetings/participant.js';
import type { BenchFleet } from './bench-fleet.js';
import { type BatchBot, createMeetings, joinBatch } from './bot-batch.js';
import { overlapsIn, soleParticipant } from './bot-presence.js';
import { sleep, waitForWarmPages } from './warm-pool.js';

/** SIGSTOP → back in the meeting: anything past this is a failure of the round. */
const BACK_TIMEOUT_MS = 60_000;
/** How long Chromium has, after the bot is back, to have killed the stopped renderer. */
const RENDERER_GONE_TIMEOUT_MS = 5_000;

/** One round of `hung`: one bot's renderer stopped while its neighbours sit in their meetings. */
export interface HungPageRound {
  /** The bot whose renderer was stopped (null when the round never got that far). */
  botId: string | null;
  rendererPid: number | null;
  /** SIGSTOP → the bot's first state after it (`rejoining`, `page_hung`: the hang seen, its context closed). */
  detectedMs: number | null;
  /** That state → `in_meeting` (the rejoin, on the pool's warm page). */
  rejoinMs: number | null;
  /** SIGSTOP → `in_meeting` again (bot store timestamp). */
  backMs: number | null;
  /** The reasons of the bot's `rejoining` events since the stop, from its view (`['page_hung']` when all is well). */
  rejoinReasons: string[];
  /** Chromium killed the stopped renderer with the page's context. */
  rendererKilled: boolean;
  /** The bot came back as a new sim participant, the only one of it in the meeting. */
  newParticipant: boolean;
  /** Other bots that moved: another participant, no participant, a rejoin, or not `in_meeting`. */
  neighboursMoved: string[];
  /** Bots with other than exactly one live participant at the end of the round. */
  notSole: string[];
  overlaps: string[];
  failures: string[];
}

/**
 * An in-process worker (so the benchmark holds each bot's Puppeteer page and can name its renderer's
 * PID; the hang detection is the page's, the same in a child worker) takes `botCount` ZAK bots into
 * meetings of their own; the first bot's renderer gets SIGSTOP, and the round times it back.
 */
export async function hungPageRound(fleet: BenchFleet, botCount: number): Promise<HungPageRound> {
  const result: HungPageRound = {
    botId: null,
    rendererPid: null,
    detectedMs: null,
    rejoinMs: null,
    backMs: null,
    rejoinReasons: [],
    rendererKilled: false,
    newParticipant: false,
    neighboursMoved: [],
    notSole: [],
    overlaps: [],
    failures: [],
  };
  const worker = await fleet.startWorker();
  const frozen: number[] = [];
  let botIds: string[] = [];
  try {
    const meetings = await createMeetings(fleet, botCount);
    const batch = await joinBatch(fleet, meetings, { name: 'Hung', timeoutMs: 60_000 });
    botIds = [...batch.joined, ...batch.failed].map((b) => b.botId);
    result.failures.push(...batch.failed.map((f) => `a bot never got in before the stop: ${f.detail}`));
    const bots: BatchBot[] = batch.joined;
    const hung = bots[0];
    if (!hung) return result;

    const before = new Map<string, ParticipantView | undefined>();
    for (const bot of bots) before.set(bot.botId, await soleParticipant(fleet.control, bot));
    const renderers = new Map<string, number>();
    for (const bot of bots) {
      const page = worker.pool.pageOf(bot.botId);
      if (!page) throw new Error(`bot ${bot.botId} is in its meeting but its worker has no page for it`);
      renderers.set(bot.botId, await rendererPid(page.puppeteerPage));
    }
    const pid = renderers.get(hung.botId) as number;
    result.botId = hung.botId;
    result.rendererPid = pid;
    for (const bot of bots) {
      if (bot !== hung && renderers.get(bot.botId) === pid)
        result.failures.push(`bot ${bot.botId} shares the stopped renderer ${pid}`);
    }
    const hungBefore = before.get(hung.botId);
    // The pool has its warm page back (the joins used it) and the machine is quiet: as a running worker.
    await waitForWarmPages(worker, 1, { settleMs: 2_000 });
    if (!hungBefore) result.failures.push(`bot ${hung.botId}: not exactly one participant before the stop`);

    const stoppedMs = Date.now();
    frozen.push(pid);
    process.kill(pid, 'SIGSTOP');
    const back = await fleet.events
      .waitFor(
        hung.botId,
        (e) => e.atMs >= stoppedMs && (e.state === 'in_meeting' || e.state === 'ended'),
        BACK_TIMEOUT_MS,
      )
      .catch((error: Error) => error);
    if (back instanceof Error) {
      result.failures.push(`bot ${hung.botId}: ${back.message}`);
    } else if (back.state === 'ended') {
      result.failures.push(`bot ${hung.botId}: ended (${back.reason ?? 'no reason'})`);
    } else {
      const first = fleet.events.events(hung.botId).find((e) => e.atMs >= stoppedMs);
      result.backMs = back.atMs - stoppedMs;
      result.detectedMs = first ? first.atMs - stoppedMs : null;
      result.rejoinMs = first ? back.atMs - first.atMs : null;
    }
    const view = await fleet.bots.get(hung.botId);
    result.rejoinReasons = view.events
      .filter((e) => e.state === 'rejoining' && Date.parse(e.at) >= stoppedMs)
      .map((e) => e.reason ?? 'no reason');
    if (result.rejoinReasons.join() !== 'page_hung')
      result.failures.push(
        `bot ${hung.botId}: rejoined for [${result.rejoinReasons.join(', ')}], not once for page_hung`,
      );
    const goneBy = Date.now() + RENDERER_GONE_TIMEOUT_MS;
    while (isProcessRunning(pid) && Date.now() < goneBy) await sleep(100);
    result.rendererKilled = !isProcessRunning(pid);

    for (const bot of bots) {
      const now = await soleParticipant(fleet.control, bot);
      if (!now) result.notSole.push(bot.botId);
      if (bot === hung) {
        result.newParticipant = now !== undefined && hungBefore !== undefined && now.id !== hungBefore.id;
        continue;
      }
      const neighbour = await fleet.bots.get(bot.botId);
      const moved =
        now === undefined ||
        now.id !== before.get(bot.botId)?.id ||
        neighbour.state !== 'in_meeting' ||
        neighbour.events.some((e) => e.state === 'rejoining' && Date.parse(e.at) >= stoppedMs);
      if (moved) result.neighboursMoved.push(bot.botId);
    }
    result.overlaps = await overlapsIn(fleet.control, meetings);
    return result;
  } finally {
    // A stopped process ignores all but SIGKILL; Chromium should have killed it already.
    for (const pid of frozen) if (isProcessRunning(pid)) killQuietly(pid);
    // The next round starts from no bot, even after a failure here.
    await fleet.leaveAll(botIds).catch(() => undefined);
    await fleet.stopWorker(worker);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
