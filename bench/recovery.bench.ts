import { LIVENESS_TICK_MS } from '../runner/browser/page-liveness.js';
import {
  LOCK_SILENCE_LEAVE_MS,
  WORKER_GONE_AFTER_MS,
  WORKER_LEASE_MS,
  WORKER_LEASE_RENEW_MS,
  WORKER_LOCK_SETTINGS,
} from '../runner/worker/worker-lock-settings.js';
import { BEAT_INTERVAL_MS, HUNG_AFTER_MS } from '../shared/liveness.js';
import type { ParticipantView } from '../zoom-sim/meetings/participant.js';
import { benchOptions, choices, positiveInt } from './lib/bench-args.js';
import { BenchFleet, describeChromiumArgs } from './lib/bench-fleet.js';
import { type BenchReport, type BenchTarget, missedTargetNotes, target } from './lib/bench-result.js';
import { type BatchBot, createMeetings, joinBatch } from './lib/bot-batch.js';
import { checkReturn, overlapsIn, soleParticipant } from './lib/bot-presence.js';
import { type HungPageRound, hungPageRound } from './lib/hung-page-round.js';
import { describeLoad, LoadSampler, type LoadSummary } from './lib/load-sampler.js';
import {
  AFTER_HEAL_SETTLE_MS,
  HEAL_AFTER_MS,
  type PartitionRound,
  partitionRound,
} from './lib/partition-round.js';
import { watchProcessesGone } from './lib/process-exit-watch.js';
import { round, type Spread, spread } from './lib/stats.js';
import { sleep } from './lib/warm-pool.js';

/**
 * `recovery`, in three parts (`--only` picks some):
 * - `allBack`: worker A (a child process) holds `--bots` bots in their meetings; worker B is already
 *   running and idle. A is killed with -9, and we time until every bot is `in_meeting` again from B,
 *   split into detection (the lock expiring and B's stall check handing the job over: the first state
 *   B records) and the rejoin itself. A's Chromium must go with it (launched over a pipe).
 * - `hung`: one bot's renderer stopped (SIGSTOP) among `--hung-bots`: that bot alone rejoins
 *   (`page_hung`), found by the page liveness watch (bench/lib/hung-page-round.ts).
 * - `partition`: worker A cut off from Redis by a proxy; its bots leave by themselves and come back
 *   from worker B (bench/lib/partition-round.ts).
 */
const PARTS = ['allBack', 'hung', 'partition'] as const;
type Part = (typeof PARTS)[number];
/** How often a worker's lock watchdog looks (runner/worker/worker-lock-settings.ts: WORKER_LEASE_RENEW_MS). */
const LOCK_WATCH_MS = 1_000;
const BACK_TIMEOUT_MS = 90_000;
/**
 * How long worker B runs, idle, before A is killed: past the 10 s a watcher of Redis's client list waits
 * after its own connection opened (runner/queue/gone-worker-watch.ts), as any worker of a running fleet.
 */
const SURVIVOR_SETTLE_MS = 12_000;

interface BotRecovery {
  botId: string;
  /** Kill → the sim saw the bot's participant gone (its socket closed with A's Chromium). */
  simSawDropMs: number | null;
  /** Kill → the first state B recorded for it (`rejoining`, reason `resume`). */
  detectedMs: number | null;
  /** That first state → `in_meeting`. */
  rejoinMs: number | null;
  /** Kill → `in_meeting` again. */
  backMs: number | null;
  newParticipant: boolean;
  newToken: boolean;
  failure?: string;
}

interface Round {
  bots: BotRecovery[];
  allBackMs: number | null;
  chromiumProcesses: number;
  chromiumGoneAfterMs: number | null;
  leftoverChromium: number[];
  overlaps: string[];
  setupFailures: string[];
}

interface RecoveryOptions {
  botCount: number;
  hungBots: number;
  rounds: number;
  parts: Part[];
}

export async function runRecoveryBench(args: string[]): Promise<BenchReport> {
  const options = benchOptions(args, {
    bots: '10',
    rounds: '3',
    'hung-bots': '3',
    only: PARTS.join(','),
  });
  const opts: RecoveryOptions = {
    botCount: positiveInt('bots', options.bots),
    hungBots: positiveInt('hung-bots', options['hung-bots']),
    rounds: positiveInt('rounds', options.rounds),
    parts: choices('only', options.only, PARTS),
  };
  const load = new LoadSampler();
  const fleet = await BenchFleet.open({
    WORKER_CONCURRENCY: String(Math.max(opts.botCount, opts.hungBots)),
  });
  const kills: Round[] = [];
  const hangs: HungPageRound[] = [];
  const partitions: PartitionRound[] = [];
  try {
    if (opts.parts.includes('allBack')) {
      for (let r = 0; r < opts.rounds; r++) {
        const result = await recoveryRound(fleet, opts.botCount);
        kills.push(result);
        progress(
          `kill round ${r + 1}: all back in ${result.allBackMs ?? '–'} ms; detection p50 ` +
            `${spread(defined(result.bots.map((b) => b.detectedMs))).p50} ms; Chromium gone after ` +
            `${result.chromiumGoneAfterMs ?? '–'} ms, ${result.leftoverChromium.length} left over`,
        );
      }
    }
    if (opts.parts.includes('hung')) {
      for (let r = 0; r < opts.rounds; r++) {
        const result = await hungPageRound(fleet, opts.hungBots);
        hangs.push(result);
        progress(
          `hung round ${r + 1}: back in ${result.backMs ?? '–'} ms (detection ${result.detectedMs ?? '–'} ms), ` +
            `rejoined for [${result.rejoinReasons.join(', ')}], ${result.neighboursMoved.length} neighbour(s) moved`,
        );
      }
    }
    if (opts.parts.includes('partition')) {
      for (let r = 0; r < opts.rounds; r++) {
        const result = await partitionRound(fleet, opts.botCount);
        partitions.push(result);
        progress(
          `partition round ${r + 1}: all back in ${result.allBackMs ?? '–'} ms; A's copies gone after ` +
            `${result.allLeftMs ?? '–'} ms; ${result.overlaps.length} overlap(s)`,
        );
      }
    }
  } finally {
    await fleet.close();
  }
  const loadSummary = load.stop();
  const parts = [
    ...(opts.parts.includes('allBack') ? [killReport(kills, opts.botCount, loadSummary)] : []),
    ...(opts.parts.includes('hung') ? [hungReport(hangs, opts.hungBots, loadSummary)] : []),
    ...(opts.parts.includes('partition') ? [partitionReport(partitions, opts.botCount, loadSummary)] : []),
  ];
  return {
    summary: Object.assign({}, ...parts.map((p) => p.summary)),
    targets: Object.assign({}, ...parts.map((p) => p.targets)),
    notes: [
      describeLoad(loadSummary),
      describeChromiumArgs(),
      `Parts run: ${opts.parts.join(', ')} (--only), ${opts.rounds} round(s) each.`,
      ...parts.flatMap((p) => p.notes),
    ],
    table: parts.flatMap((p) => p.table),
    details: {
      lockSettings: WORKER_LOCK_SETTINGS,
      lockSilenceLeaveMs: LOCK_SILENCE_LEAVE_MS,
      liveness: { beatIntervalMs: BEAT_INTERVAL_MS, hungAfterMs: HUNG_AFTER_MS, tickMs: LIVENESS_TICK_MS },
      rounds: kills,
      hungRounds: hangs,
      partitionRounds: partitions,
      load: loadSummary,
    },
  };
}

/** One part's share of the report. */
interface PartReport {
  summary: Record<string, number | null>;
  targets: Record<string, BenchTarget>;
  notes: string[];
  table: Array<Record<string, string | number | null>>;
}

async function recoveryRound(fleet: BenchFleet, botCount: number): Promise<Round> {
  // A alone takes the bots; B starts once they are in, so it holds none of them.
  const doomed = await fleet.spawnWorker();
  const meetings = await createMeetings(fleet, botCount);
  const batch = await joinBatch(fleet, meetings, { name: 'Recovery', timeoutMs: 60_000 });
  const bots: BatchBot[] = batch.joined;
  const survivor = await fleet.spawnWorker();
  // B's Chromium launched and its warm page loaded: "already running".
  await sleep(SURVIVOR_SETTLE_MS);
  const before = new Map<string, ParticipantView | undefined>();
  for (const bot of bots) before.set(bot.botId, await soleParticipant(fleet.control, bot));
  const chromium = fleet.processTreeOf(doomed).filter((pid) => pid !== doomed.child.pid);

  const killedMs = Date.now();
  doomed.child.kill('SIGKILL');
  const [gone, recovered] = await Promise.all([
    watchProcessesGone(chromium, killedMs),
    Promise.all(bots.map((bot) => timeRecovery(fleet, bot, killedMs, before.get(bot.botId)))),
  ]);
  await doomed.exited;
  const overlaps = await overlapsIn(fleet.control, meetings);
  const back = recovered.map((b) => b.backMs);
  await fleet.leaveAll([...bots, ...batch.failed].map((b) => b.botId));
  await fleet.stopChild(survivor);
  await fleet.stopChild(doomed);
  return {
    bots: recovered,
    allBackMs: back.every((ms) => ms !== null) && back.length > 0 ? Math.max(...(back as number[])) : null,
    chromiumProcesses: chromium.length,
    chromiumGoneAfterMs: gone.goneAfterMs,
    leftoverChromium: gone.leftover,
    overlaps,
    setupFailures: batch.failed.map((f) => f.detail),
  };
}

async function timeRecovery(
  fleet: BenchFleet,
  bot: BatchBot,
  killedMs: number,
  before: ParticipantView | undefined,
): Promise<BotRecovery> {
  const empty = {
    botId: bot.botId,
    simSawDropMs: null,
    detectedMs: null,
    rejoinMs: null,
    backMs: null,
    newParticipant: false,
    newToken: false,
  };
  if (!before) return { ...empty, failure: 'not exactly one participant in the meeting before the kill' };
  let back: Awaited<ReturnType<typeof fleet.events.waitFor>>;
  try {
    back = await fleet.events.waitFor(
      bot.botId,
      (e) => e.atMs >= killedMs && (e.state === 'in_meeting' || e.state === 'ended'),
      BACK_TIMEOUT_MS,
    );
  } catch (error) {
    return { ...empty, failure: (error as Error).message };
  }
  if (back.state === 'ended') return { ...empty, failure: `ended (${back.reason ?? 'no reason'})` };
  const first = fleet.events.events(bot.botId).find((e) => e.atMs >= killedMs);
  const history = (await fleet.control.meeting(bot.meetingNumber)).history;
  const dropped = history.find((h) => h.participantId === before.id && h.event === 'dropped');
  const check = await checkReturn(
    fleet.control,
    bot,
    before,
    new Set(before.tokenId ? [before.tokenId] : []),
  );
  return {
    botId: bot.botId,
    simSawDropMs: dropped ? Date.parse(dropped.at) - killedMs : null,
    detectedMs: first ? first.atMs - killedMs : null,
    rejoinMs: first ? back.atMs - first.atMs : null,
    backMs: back.atMs - killedMs,
    newParticipant: check.newParticipant,
    newToken: check.newToken,
    ...(check.present !== 1 ? { failure: `${check.present} participants after the recovery` } : {}),
  };
}

function killReport(rounds: Round[], botCount: number, load: LoadSummary): PartReport {
  const bots = rounds.flatMap((r) => r.bots);
  const allBack = defined(rounds.map((r) => r.allBackMs));
  const detected = spread(defined(bots.map((b) => b.detectedMs)));
  const rejoin = spread(defined(bots.map((b) => b.rejoinMs)));
  const simDrop = spread(defined(bots.map((b) => b.simSawDropMs)));
  const back = spread(defined(bots.map((b) => b.backMs)));
  const leftovers = rounds.reduce((sum, r) => sum + r.leftoverChromium.length, 0);
  const overlaps = rounds.flatMap((r) => r.overlaps);
  const complete = rounds.every((r) => r.allBackMs !== null);
  const summary = {
    // The worst round: the target is "all back within 15 s", every time.
    allBackMs: complete && allBack.length > 0 ? Math.max(...allBack) : null,
    allBackMsMedian: round(spread(allBack).p50),
    detectionP50Ms: detected.p50,
    detectionMaxMs: detected.max,
    rejoinP50Ms: rejoin.p50,
    rejoinMaxMs: rejoin.max,
    leftoverChromium: leftovers,
    newTokens: bots.filter((b) => b.newToken).length,
    overlappingCopies: overlaps.length,
  };
  const targets = {
    allBackMs: target('allBackMs', summary.allBackMs, '<=', 10_000, 'ms'),
    leftoverChromium: target('Chromium processes of the killed worker left running', leftovers, '==', 0, ''),
    overlappingCopies: target('moments a meeting held two copies of a bot', overlaps.length, '==', 0, ''),
  };
  const lock = WORKER_LOCK_SETTINGS;
  const notes = [
    `allBack, ${rounds.length} round(s): worker A (child process, WORKER_CONCURRENCY ${botCount}) holds ${botCount} ZAK bots, ` +
      `one meeting each; worker B has been running ${SURVIVOR_SETTLE_MS / 1000} s with no bot; A gets SIGKILL; allBackMs = kill → the ` +
      'last bot in_meeting again (bot store timestamp), worst round.',
    `Detection (docs/contract.md §12): A's sockets close with it, so the worker watching Redis's client list ` +
      `(runner/queue/gone-worker-watch.ts, every ${WORKER_LEASE_RENEW_MS} ms) misses A's lease connection and after ` +
      `${WORKER_GONE_AFTER_MS} ms without seeing it (4–5 s after the kill) marks A's lease lapsed; the reaper (same ` +
      `tick) frees A's jobs and clears the stall check's marker, and the next stall check (every ` +
      `${lock.stalledInterval} ms) moves them back to the queue. A worker that is frozen or cut off keeps its ` +
      `sockets: its lease (${WORKER_LEASE_MS} ms) lapses instead, ${WORKER_LEASE_MS - WORKER_LEASE_RENEW_MS}–` +
      `${WORKER_LEASE_MS} ms after its last renewal (see the partition part). Until ` +
      'then the bot view still says in_meeting although the sim dropped the participant as soon as A’s Chromium died.',
    `Chromium of the killed worker: ${rounds.map((r) => `${r.chromiumProcesses} processes gone after ${r.chromiumGoneAfterMs ?? '–'} ms`).join('; ')}; ${leftovers} left over.`,
    ...missedTargetNotes(targets).map(
      (note) =>
        `${note} Detection p50 ${detected.p50} ms (max ${detected.max}), rejoin p50 ${rejoin.p50} ms ` +
        `(max ${rejoin.max}): detection is bounded by the lock settings; the rest is ${botCount} rejoins at once ` +
        `on 2 cores, where B's default pool has one warm page, so ${botCount - 1} pages are made during the ` +
        `rejoin, and with its replacement warm page that is ${botCount + 1} pages (more than BOTS_PER_BROWSER ` +
        '10 launches a second Chromium). ' +
        describeLoad(load),
    ),
    ...overlaps.map((o) => `two copies: ${o}`),
    ...bots.filter((b) => b.failure).map((b) => `bot ${b.botId}: ${b.failure}`),
    ...rounds.flatMap((r) => r.setupFailures).map((f) => `a bot never got in before the kill: ${f}`),
  ];
  return {
    summary,
    targets,
    notes,
    table: [
      phaseRow('kill → sim sees the participant gone', simDrop),
      phaseRow('kill → B picks the bot up (detection)', detected),
      phaseRow('pick-up → in_meeting (rejoin)', rejoin),
      phaseRow('kill → in_meeting', back),
      phaseRow('kill → all bots back (per round)', spread(allBack)),
    ],
  };
}

function hungReport(rounds: HungPageRound[], botCount: number, load: LoadSummary): PartReport {
  const back = defined(rounds.map((r) => r.backMs));
  const detected = spread(defined(rounds.map((r) => r.detectedMs)));
  const rejoin = spread(defined(rounds.map((r) => r.rejoinMs)));
  const complete = rounds.length > 0 && rounds.every((r) => r.backMs !== null);
  const overlaps = rounds.flatMap((r) => r.overlaps);
  const summary = {
    // The worst round, as for allBackMs.
    hungPageBackMs: complete ? Math.max(...back) : null,
    hungPageBackP50Ms: round(spread(back).p50),
    hungDetectionP50Ms: detected.p50,
    hungDetectionMaxMs: detected.max,
    hungRejoinP50Ms: rejoin.p50,
    hungRejoinMaxMs: rejoin.max,
    hungNotPageHung: rounds.filter((r) => r.rejoinReasons.join() !== 'page_hung').length,
    hungNeighboursMoved: rounds.reduce((sum, r) => sum + r.neighboursMoved.length, 0),
    hungRendererLeft: rounds.filter((r) => r.rendererPid !== null && !r.rendererKilled).length,
    hungNotSoleParticipant: rounds.reduce((sum, r) => sum + r.notSole.length, 0),
    hungOverlappingCopies: overlaps.length,
  };
  const targets = {
    hungPageBackMs: target('hungPageBackMs', summary.hungPageBackMs, '<=', 15_000, 'ms'),
    hungOverlappingCopies: target(
      'moments a meeting held two copies of a bot (hung page)',
      overlaps.length,
      '==',
      0,
      '',
    ),
  };
  const lastBeatBefore = BEAT_INTERVAL_MS;
  const notes = [
    `hung, ${rounds.length} round(s): an in-process worker (default pool: one warm page) holds ${botCount} ` +
      "ZAK bots, one meeting each; the renderer of one bot's page (its PID from a " +
      'Chromium trace, testkit/renderer-pid.ts) gets SIGSTOP; hungPageBackMs = SIGSTOP → that bot in_meeting ' +
      'again (bot store timestamp), worst round; hungPageBackP50Ms the median round. In process because only ' +
      "there does the benchmark hold the bot's Puppeteer page (a child worker's Chromium is on a pipe); the " +
      'detection is the page’s liveness watch either way. Each round checks the rejoin reason was page_hung ' +
      `(hungNotPageHung: rounds where it was not), that the ${botCount - 1} other bots kept their participant ` +
      'and never rejoined (hungNeighboursMoved), that Chromium killed the stopped renderer with the page’s ' +
      'context (hungRendererLeft), exactly one live participant per bot (hungNotSoleParticipant) and no overlap.',
    `Detection is the page liveness watch (shared/liveness.ts, runner/browser/page-liveness.ts): the page beats ` +
      `every ${BEAT_INTERVAL_MS} ms and the runner checks every ${LIVENESS_TICK_MS} ms, calling the page hung ` +
      `after ${HUNG_AFTER_MS} ms without a beat (or with a touch unanswered that long, which cannot come ` +
      `sooner). The last beat came 0–${lastBeatBefore} ms before the stop, so the hang is seen ` +
      `${HUNG_AFTER_MS - lastBeatBefore}–${HUNG_AFTER_MS + LIVENESS_TICK_MS} ms after it; then the browser is ` +
      'probed, the page’s context closed (which kills the stopped renderer) and the bot rejoins on the ' +
      `pool's warm page (rejoin p50 ${rejoin.p50 ?? '–'} ms, max ${rejoin.max ?? '–'}).`,
    ...missedTargetNotes(targets).map(
      (note) =>
        `${note} Detection p50 ${detected.p50} ms (max ${detected.max}), rejoin p50 ${rejoin.p50} ms ` +
        `(max ${rejoin.max}): detection is bounded by the liveness timings above ` +
        `(${HUNG_AFTER_MS - lastBeatBefore}–${HUNG_AFTER_MS + LIVENESS_TICK_MS} ms); the rest is the rejoin. ` +
        describeLoad(load),
    ),
    ...overlaps.map((o) => `hung: two copies: ${o}`),
    ...rounds.flatMap((r) => r.failures.map((f) => `hung: ${f}`)),
    ...rounds.flatMap((r) =>
      r.neighboursMoved.map((id) => `hung: neighbour ${id} moved (bot ${r.botId} stopped)`),
    ),
    ...rounds.flatMap((r) => r.notSole.map((id) => `hung: bot ${id} had not exactly one live participant`)),
    ...rounds
      .filter((r) => r.rendererPid !== null && !r.rendererKilled)
      .map((r) => `hung: renderer ${r.rendererPid} still running after the rejoin (killed by the benchmark)`),
  ];
  return {
    summary,
    targets,
    notes,
    table: [
      phaseRow('hung: SIGSTOP → rejoining (page_hung seen)', detected),
      phaseRow('hung: rejoining → in_meeting (rejoin)', rejoin),
      phaseRow('hung: SIGSTOP → in_meeting (per round)', spread(back)),
    ],
  };
}

function partitionReport(rounds: PartitionRound[], botCount: number, load: LoadSummary): PartReport {
  const bots = rounds.flatMap((r) => r.bots);
  const allBack = defined(rounds.map((r) => r.allBackMs));
  const left = spread(defined(bots.map((b) => b.leftMs)));
  const detected = spread(defined(bots.map((b) => b.detectedMs)));
  const rejoin = spread(defined(bots.map((b) => b.rejoinMs)));
  const back = spread(defined(bots.map((b) => b.backMs)));
  const overlaps = rounds.flatMap((r) => r.overlaps);
  const complete = rounds.length > 0 && rounds.every((r) => r.allBackMs !== null);
  const summary = {
    partitionBackMs: complete ? Math.max(...allBack) : null,
    partitionBackMsMedian: round(spread(allBack).p50),
    partitionLeftP50Ms: left.p50,
    partitionLeftMaxMs: left.max,
    partitionDetectionP50Ms: detected.p50,
    partitionDetectionMaxMs: detected.max,
    partitionRejoinP50Ms: rejoin.p50,
    partitionRejoinMaxMs: rejoin.max,
    partitionNewParticipants: bots.filter((b) => b.newParticipant).length,
    partitionAfterHealProblems: rounds.reduce((sum, r) => sum + r.afterHeal.length, 0),
    partitionOverlappingCopies: overlaps.length,
  };
  const targets = {
    partitionBackMs: target('partitionBackMs', summary.partitionBackMs, '<=', 20_000, 'ms'),
    partitionOverlappingCopies: target(
      'moments a meeting held two copies of a bot (partition)',
      overlaps.length,
      '==',
      0,
      '',
    ),
  };
  const lock = WORKER_LOCK_SETTINGS;
  // The last lease renewal went through 0–WORKER_LEASE_RENEW_MS before the cut; the watchdog looks every second.
  const leaveFrom = LOCK_SILENCE_LEAVE_MS - WORKER_LEASE_RENEW_MS;
  const leaveTo = LOCK_SILENCE_LEAVE_MS + LOCK_WATCH_MS;
  const detectFrom = WORKER_LEASE_MS - WORKER_LEASE_RENEW_MS;
  const detectTo = WORKER_LEASE_MS + WORKER_LEASE_RENEW_MS + lock.stalledInterval;
  const notes = [
    `partition, ${rounds.length} round(s): worker A (child process) reaches Redis only through a TCP proxy ` +
      `(testkit/tcp-proxy.ts) and holds ${botCount} ZAK bots, one meeting each; worker B (child process, on ` +
      'Redis directly) has run idle 5 s; the proxy cuts the link, connections left open; partitionBackMs = cut → ' +
      `the last bot in_meeting again from B (bot store timestamp), worst round. The link heals ${HEAL_AFTER_MS} ms ` +
      `after the cut; ${AFTER_HEAL_SETTLE_MS} ms later every bot must still be in_meeting with one live participant ` +
      `(partitionAfterHealProblems: A's late writes are fenced by its lost lock tokens), then A gets SIGTERM ` +
      `(exit: ${rounds.map((r) => r.cutOffExit ?? '–').join(', ')}).`,
    `A's copies leave by themselves: A's lock watchdog (runner/worker/bot-worker.ts, every ${LOCK_WATCH_MS} ms) takes a bot ` +
      `out of its meeting once its worker lease has gone ${LOCK_SILENCE_LEAVE_MS} ms (LOCK_SILENCE_LEAVE_MS, ` +
      `runner/worker/worker-lock-settings.ts) without a renewal; renewals come every ${WORKER_LEASE_RENEW_MS} ms, so ` +
      `it is told to leave ${leaveFrom}–${leaveTo} ms after the cut and the sim sees it go a little later (partitionLeft*: ` +
      `${left.p50 ?? '–'} ms p50, ${left.max ?? '–'} ms max). B takes them over as for a killed worker: A's lease ` +
      `(${WORKER_LEASE_MS} ms) lapses ${detectFrom}–${WORKER_LEASE_MS} ms after the cut, B's reaper frees the jobs, then B's stall check ` +
      `(every ${lock.stalledInterval} ms) hands them over: detection ` +
      `${detectFrom}–${detectTo} ms, then ${botCount} rejoins at once on B. A's copy is gone before B's can ` +
      'join, so a meeting never holds two (partitionOverlappingCopies).',
    ...missedTargetNotes(targets).map(
      (note) =>
        `${note} Detection p50 ${detected.p50} ms (max ${detected.max}), rejoin p50 ${rejoin.p50} ms ` +
        `(max ${rejoin.max}): detection is bounded by the lock settings (${detectFrom}–${detectTo} ms); the rest is ` +
        `${botCount} rejoins at once on B, whose default pool has one warm page. ` +
        describeLoad(load),
    ),
    ...overlaps.map((o) => `partition: two copies: ${o}`),
    ...rounds.flatMap((r) => r.afterHeal.map((p) => `partition, after the heal: ${p}`)),
    ...bots.filter((b) => b.failure).map((b) => `partition: bot ${b.botId}: ${b.failure}`),
    ...bots
      .filter((b) => b.backMs !== null && b.leftMs === null)
      .map((b) => `partition: bot ${b.botId}: the sim shows A's copy never leaving`),
    ...rounds
      .flatMap((r) => r.setupFailures)
      .map((f) => `partition: a bot never got in before the cut: ${f}`),
  ];
  return {
    summary,
    targets,
    notes,
    table: [
      phaseRow("partition: cut → A's copy gone from the sim", left),
      phaseRow('partition: cut → B picks the bot up (detection)', detected),
      phaseRow('partition: pick-up → in_meeting (rejoin)', rejoin),
      phaseRow('partition: cut → in_meeting', back),
      phaseRow('partition: cut → all bots back (per round)', spread(allBack)),
    ],
  };
}

function phaseRow(measure: string, s: Spread): Record<string, string | number | null> {
  return { measure, count: s.count, p50Ms: round(s.p50), p95Ms: round(s.p95), maxMs: round(s.max) };
}

function defined(values: ReadonlyArray<number | null>): number[] {
  return values.flatMap((v) => (v === null ? [] : [v]));
}

function progress(line: string): void {
  process.stdout.write(`  ${line}\n`);
}
