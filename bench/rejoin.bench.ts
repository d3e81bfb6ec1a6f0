import type { ParticipantView } from '../zoom-sim/meetings/participant.js';
import { benchOptions, positiveInt } from './lib/bench-args.js';
import { BenchFleet, describeChromiumArgs } from './lib/bench-fleet.js';
import { type BenchReport, missedTargetNotes, target } from './lib/bench-result.js';
import { type BatchBot, createMeetings, joinBatch } from './lib/bot-batch.js';
import type { LoggedBotEvent } from './lib/bot-event-log.js';
import { checkReturn, overlapsIn, soleParticipant } from './lib/bot-presence.js';
import { describeLoad, LoadSampler, type LoadSummary } from './lib/load-sampler.js';
import { round, spread } from './lib/stats.js';
import { waitForWarmPages } from './lib/warm-pool.js';

/**
 * `rejoin`: bots sit in their meetings; the sim drops one (`/drop`, no body: `Fail -3000` at once) and
 * we time until the bot is `in_meeting` again, checking in the sim that it came back as a new
 * participant on a token it never used, and that no meeting ever held two copies of a bot.
 * Drops go round-robin over the bots, `--wave` at a time (default one: each drop on its own).
 */
const BACK_TIMEOUT_MS = 30_000;

interface DropResult {
  botId: string;
  /** Drop request sent → `in_meeting` again (store timestamp). */
  backMs: number | null;
  /** Drop → `rejoining` (the page's Fail seen, the old page closed). */
  detectMs: number | null;
  /** `minting` → `joining`: fresh signature and ZAK, page opened. */
  credentialsAndPageMs: number | null;
  /** `joining` → `in_meeting`. */
  sdkJoinMs: number | null;
  /** Warm pages in the pool when the drop was sent. */
  warmAtDrop: number;
  newParticipant: boolean;
  newToken: boolean;
  failure?: string;
}

export async function runRejoinBench(args: string[]): Promise<BenchReport> {
  const options = benchOptions(args, { bots: '20', drops: '50', wave: '1' });
  const botCount = positiveInt('bots', options.bots);
  const drops = positiveInt('drops', options.drops);
  const wave = Math.min(positiveInt('wave', options.wave), botCount);
  const load = new LoadSampler();
  const fleet = await BenchFleet.open({ WORKER_CONCURRENCY: String(botCount) });
  const results: DropResult[] = [];
  let overlaps: string[] = [];
  let rejoinsCounted = 0;
  let setupFailures: string[] = [];
  try {
    const runtime = await fleet.startWorker();
    await waitForWarmPages(runtime, 1);
    const meetings = await createMeetings(fleet, botCount);
    const batch = await joinBatch(fleet, meetings, { name: 'Rejoin', timeoutMs: 60_000 });
    setupFailures = batch.failed.map((f) => f.detail);
    const bots: BatchBot[] = batch.joined;
    progress(`${bots.length} of ${botCount} bots in their meetings`);
    const tokensUsed = new Map<string, Set<string>>();
    for (const bot of bots) {
      const p = await soleParticipant(fleet.control, bot);
      tokensUsed.set(bot.botId, new Set(p?.tokenId ? [p.tokenId] : []));
    }
    for (let next = 0; next < drops && bots.length > 0; ) {
      await waitForWarmPages(runtime, 1, { settleMs: 300 });
      const count = Math.min(wave, drops - next, bots.length);
      const chosen = Array.from({ length: count }, (_, i) => bots[(next + i) % bots.length] as BatchBot);
      next += count;
      const warmAtDrop = runtime.pool.stats().warm;
      const waveResults = await Promise.all(
        chosen.map((bot) => dropAndTime(fleet, bot, tokensUsed.get(bot.botId) ?? new Set(), warmAtDrop)),
      );
      results.push(...waveResults);
      for (const r of waveResults) {
        progress(
          `drop ${results.length}/${drops} ${r.botId.slice(0, 8)}: ` +
            (r.backMs !== null ? `back in ${r.backMs} ms` : `not back (${r.failure})`) +
            `, new token ${r.newToken}, warm pages ${r.warmAtDrop}`,
        );
      }
    }
    overlaps = await overlapsIn(fleet.control, meetings);
    rejoinsCounted = (
      await Promise.all(bots.map(async (b) => (await fleet.bots.get(b.botId)).rejoins))
    ).reduce((a, b) => a + b, 0);
    await fleet.leaveAll(bots.map((b) => b.botId));
    await fleet.stopWorker(runtime);
  } finally {
    await fleet.close();
  }
  return report(results, {
    botCount,
    drops,
    wave,
    overlaps,
    rejoinsCounted,
    setupFailures,
    load: load.stop(),
    warmFailures: fleet.warmFailures,
  });
}

async function dropAndTime(
  fleet: BenchFleet,
  bot: BatchBot,
  tokensUsed: Set<string>,
  warmAtDrop: number,
): Promise<DropResult> {
  const empty = {
    botId: bot.botId,
    backMs: null,
    detectMs: null,
    credentialsAndPageMs: null,
    sdkJoinMs: null,
    warmAtDrop,
    newParticipant: false,
    newToken: false,
  };
  const before: ParticipantView | undefined = await soleParticipant(fleet.control, bot);
  if (!before) return { ...empty, failure: 'not exactly one participant in the meeting before the drop' };
  const droppedMs = Date.now();
  await fleet.control.drop(bot.meetingNumber, before.id);
  let back: LoggedBotEvent;
  try {
    back = await fleet.events.waitFor(
      bot.botId,
      (e) => e.atMs >= droppedMs && (e.state === 'in_meeting' || e.state === 'ended'),
      BACK_TIMEOUT_MS,
    );
  } catch (error) {
    return { ...empty, failure: (error as Error).message };
  }
  if (back.state === 'ended') return { ...empty, failure: `ended (${back.reason ?? 'no reason'})` };
  const check = await checkReturn(fleet.control, bot, before, tokensUsed);
  const after = await soleParticipant(fleet.control, bot);
  if (after?.tokenId) tokensUsed.add(after.tokenId);
  const since = fleet.events.events(bot.botId).filter((e) => e.atMs >= droppedMs && e.atMs <= back.atMs);
  const at = (state: string) => since.find((e) => e.state === state)?.atMs;
  const rejoining = at('rejoining');
  const minting = at('minting');
  const joining = since.filter((e) => e.state === 'joining').at(-1)?.atMs;
  return {
    botId: bot.botId,
    backMs: back.atMs - droppedMs,
    detectMs: rejoining !== undefined ? rejoining - droppedMs : null,
    credentialsAndPageMs: minting !== undefined && joining !== undefined ? joining - minting : null,
    sdkJoinMs: joining !== undefined ? back.atMs - joining : null,
    warmAtDrop,
    newParticipant: check.newParticipant,
    newToken: check.newToken,
    ...(check.present !== 1 ? { failure: `${check.present} participants after the rejoin` } : {}),
  };
}

function report(
  results: DropResult[],
  run: {
    botCount: number;
    drops: number;
    wave: number;
    overlaps: string[];
    rejoinsCounted: number;
    setupFailures: string[];
    load: LoadSummary;
    warmFailures: number;
  },
): BenchReport {
  const values = (pick: (r: DropResult) => number | null) =>
    results.flatMap((r) => (pick(r) === null ? [] : [pick(r) as number]));
  const back = spread(values((r) => r.backMs));
  const newTokens = results.filter((r) => r.newToken).length;
  const summary = {
    p50Ms: back.p50,
    p95Ms: back.p95,
    maxMs: back.max,
    drops: results.length,
    rejoined: back.count,
    newTokens,
    overlappingCopies: run.overlaps.length,
    rejoinsCounted: run.rejoinsCounted,
    pageWarmFailures: run.warmFailures,
  };
  const targets = {
    p50Ms: target('p50Ms', summary.p50Ms, '<=', 500, 'ms'),
    p95Ms: target('p95Ms', summary.p95Ms, '<=', 1500, 'ms'),
    newTokens: target('every rejoin on a new token', newTokens, '==', results.length, 'rejoins'),
    overlappingCopies: target('moments a meeting held two copies of a bot', run.overlaps.length, '==', 0, ''),
  };
  const phase = (pick: (r: DropResult) => number | null) => spread(values(pick));
  const rows = [
    { measure: 'drop → in_meeting', ...cells(back) },
    { measure: 'drop → rejoining', ...cells(phase((r) => r.detectMs)) },
    { measure: 'minting → joining', ...cells(phase((r) => r.credentialsAndPageMs)) },
    { measure: 'joining → in_meeting', ...cells(phase((r) => r.sdkJoinMs)) },
  ];
  const coldPages = results.filter((r) => r.warmAtDrop === 0).length;
  const notes = [
    describeLoad(run.load),
    describeChromiumArgs(),
    `${results.length} drops over ${run.botCount} bots (one meeting each, ZAK), ${run.wave} at a time, round-robin; ` +
      'timed from the moment the /drop request is sent to the bot store’s in_meeting timestamp.',
    `Every wave waits until the pool has its warm page again (default pool: 1 warm page); ${coldPages} drop(s) found none.`,
    `New token: the sim's participant after the rejoin carries a tokenId the bot never used (${newTokens}/${results.length}). ` +
      `The bots' own rejoin counters add up to ${run.rejoinsCounted}.`,
    ...missedTargetNotes(targets).map(
      (note) =>
        `${note} Phases p50: drop → rejoining ${phase((r) => r.detectMs).p50} ms, minting → joining ` +
        `${phase((r) => r.credentialsAndPageMs).p50} ms, joining → in_meeting ${phase((r) => r.sdkJoinMs).p50} ms; ` +
        `2 cores shared by the worker, its Chromium, the sim and Redis. ${describeLoad(run.load)}`,
    ),
    ...run.overlaps.map((o) => `two copies: ${o}`),
    ...results.filter((r) => r.failure).map((r) => `bot ${r.botId}: ${r.failure}`),
    ...run.setupFailures.map((f) => `a bot never got in before the drops: ${f}`),
  ];
  return { summary, targets, notes, table: rows, details: { drops: results, load: run.load } };
}

function cells(s: ReturnType<typeof spread>) {
  return { count: s.count, p50Ms: round(s.p50), p95Ms: round(s.p95), maxMs: round(s.max) };
}

function progress(line: string): void {
  process.stdout.write(`  ${line}\n`);
}
