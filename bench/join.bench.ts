import { benchOptions, positiveInt, positiveInts } from './lib/bench-args.js';
import { BenchFleet, describeChromiumArgs } from './lib/bench-fleet.js';
import { type BenchReport, missedTargetNotes, target } from './lib/bench-result.js';
import { createMeetings, type JoinBatch, type JoinTiming, joinBatch } from './lib/bot-batch.js';
import { describeLoad, LoadSampler, type LoadSummary } from './lib/load-sampler.js';
import { bareSimJoins } from './lib/sim-join-baseline.js';
import { round, type Spread, spread } from './lib/stats.js';
import { sleep, waitForWarmPages } from './lib/warm-pool.js';

/**
 * `join`: enqueue → `in_meeting` (sim page) at several numbers of concurrent joins, in three pool states:
 * - `warm`: the worker has been running with one warm page (loaded, SDK initialised) per join to come;
 * - `warm-browser`: the default pool, Chromium running and one warm page to start; from then on it keeps
 *   as many warm pages as the last burst of joins (adaptive, within free slots and memory);
 * - `cold`: a worker that has just said ready, its Chromium still launching.
 * And, per size, the same number of bare sim participants (mint + sign + WebSocket join): the sim's
 * own share, so that `ours` = runner time − sim time.
 */
const MODES = ['warm', 'warm-browser', 'cold'] as const;
type Mode = (typeof MODES)[number];

const JOIN_TIMEOUT_MS = 60_000;
/** Longer than the sim's rolling one-second rate-limit window. */
const RATE_WINDOW_MS = 1_100;

interface Cell {
  mode: Mode;
  size: number;
  timings: JoinTiming[];
  allInMs: number[];
  failures: string[];
}

export async function runJoinBench(args: string[]): Promise<BenchReport> {
  const options = benchOptions(args, {
    sizes: '1,10,25',
    modes: MODES.join(','),
    rounds: '3',
    'bots-per-browser': '10',
  });
  const sizes = positiveInts('sizes', options.sizes);
  const modes = parseModes(options.modes);
  const rounds = positiveInt('rounds', options.rounds);
  const largest = Math.max(...sizes);
  const load = new LoadSampler();
  const fleet = await BenchFleet.open({
    WORKER_CONCURRENCY: String(largest),
    // The default is 10 pages per Chromium, so 25 joins spread over three browsers.
    BOTS_PER_BROWSER: String(positiveInt('bots-per-browser', options['bots-per-browser'])),
  });
  const cells: Cell[] = [];
  const baselines = new Map<number, number[]>();
  try {
    for (const size of sizes) {
      const samples: number[] = [];
      for (let r = 0; r < rounds; r++) {
        samples.push(...(await bareSimJoins(fleet.control, await createMeetings(fleet, size))));
        // Zoom's Light budget is per second (Pro: 30/s): the next burst of mints starts in a fresh window.
        await sleep(RATE_WINDOW_MS);
      }
      baselines.set(size, samples);
      progress(`sim baseline ×${size}: ${describe(spread(samples))}`);
    }
    for (const mode of modes) {
      if (mode === 'warm-browser') {
        cells.push(...(await runWarmBrowser(fleet, sizes, rounds)));
        continue;
      }
      for (const size of sizes) {
        cells.push(mode === 'warm' ? await runWarm(fleet, size, rounds) : await runCold(fleet, size, rounds));
      }
    }
  } finally {
    await fleet.close();
  }
  return report(cells, baselines, { rounds, load: load.stop(), warmFailures: fleet.warmFailures });
}

/** One worker per size, warming one page per join; every round starts with the pages warm again. */
async function runWarm(fleet: BenchFleet, size: number, rounds: number): Promise<Cell> {
  const cell = newCell('warm', size);
  // A pool of exactly `size`: the adaptive pool would warm more after rounds less than 10 s apart.
  const runtime = await fleet.startWorker({ warmPages: size, env: { WORKER_WARM_PAGES_MAX: String(size) } });
  try {
    for (let r = 0; r < rounds; r++) {
      await waitForWarmPages(runtime, size);
      record(cell, await joinRound(fleet, size, `Warm ${size}`), r);
    }
  } finally {
    await fleet.stopWorker(runtime);
  }
  return cell;
}

/** The production pool (one warm page to start, adaptive) in one long-running worker, all sizes in turn. */
async function runWarmBrowser(fleet: BenchFleet, sizes: number[], rounds: number): Promise<Cell[]> {
  const cells = sizes.map((size) => newCell('warm-browser', size));
  const runtime = await fleet.startWorker();
  try {
    for (const cell of cells) {
      for (let r = 0; r < rounds; r++) {
        await waitForWarmPages(runtime, 1);
        record(cell, await joinRound(fleet, cell.size, `Browser ${cell.size}`), r);
      }
    }
  } finally {
    await fleet.stopWorker(runtime);
  }
  return cells;
}

/** A fresh worker per round: the bots are enqueued the moment it is ready, Chromium not yet up. */
async function runCold(fleet: BenchFleet, size: number, rounds: number): Promise<Cell> {
  const cell = newCell('cold', size);
  for (let r = 0; r < rounds; r++) {
    const meetings = await createMeetings(fleet, size);
    await sleep(1_000);
    const runtime = await fleet.startWorker();
    try {
      const batch = await joinBatch(fleet, meetings, { name: `Cold ${size}`, timeoutMs: JOIN_TIMEOUT_MS });
      await fleet.leaveAll(allBots(batch));
      record(cell, batch, r);
    } finally {
      await fleet.stopWorker(runtime);
    }
  }
  return cell;
}

async function joinRound(fleet: BenchFleet, size: number, name: string): Promise<JoinBatch> {
  const meetings = await createMeetings(fleet, size);
  const batch = await joinBatch(fleet, meetings, { name, timeoutMs: JOIN_TIMEOUT_MS });
  await fleet.leaveAll(allBots(batch));
  return batch;
}

function allBots(batch: JoinBatch): string[] {
  return [...batch.joined, ...batch.failed].map((b) => b.botId);
}

function newCell(mode: Mode, size: number): Cell {
  return { mode, size, timings: [], allInMs: [], failures: [] };
}

function record(cell: Cell, batch: JoinBatch, roundIndex: number): void {
  cell.timings.push(...batch.joined);
  if (batch.allInMs !== null) cell.allInMs.push(batch.allInMs);
  cell.failures.push(...batch.failed.map((f) => f.detail));
  const s = spread(batch.joined.map((j) => j.totalMs));
  progress(
    `${cell.mode} ×${cell.size} round ${roundIndex + 1}: ${describe(s)}, all in ${batch.allInMs ?? '–'} ms` +
      (batch.failed.length > 0 ? `, ${batch.failed.length} failed` : ''),
  );
}

function report(
  cells: Cell[],
  baselines: Map<number, number[]>,
  run: { rounds: number; load: LoadSummary; warmFailures: number },
): BenchReport {
  const { rounds, load } = run;
  const find = (mode: Mode, size: number) => cells.find((c) => c.mode === mode && c.size === size);
  const totals = (cell: Cell | undefined) => spread(cell?.timings.map((t) => t.totalMs) ?? []);
  const worst = (values: number[] | undefined) => (values && values.length > 0 ? Math.max(...values) : null);
  const warm10 = totals(find('warm', 10));
  const base10 = spread(baselines.get(10) ?? []);
  const summary = {
    p50Ms10: warm10.p50,
    p95Ms10: warm10.p95,
    allIn25Ms: worst(find('warm', 25)?.allInMs),
    maxMs10: warm10.max,
    simBaselineP50Ms10: round(base10.p50),
    oursP50Ms10: warm10.p50 !== null && base10.p50 !== null ? round(warm10.p50 - base10.p50) : null,
    p50Ms10WarmBrowser: totals(find('warm-browser', 10)).p50,
    p95Ms10WarmBrowser: totals(find('warm-browser', 10)).p95,
    allIn25MsWarmBrowser: worst(find('warm-browser', 25)?.allInMs),
    p50Ms10Cold: totals(find('cold', 10)).p50,
    allIn25MsCold: worst(find('cold', 25)?.allInMs),
    failedJoins: cells.reduce((sum, c) => sum + c.failures.length, 0),
    pageWarmFailures: run.warmFailures,
  };
  const targets = {
    p50Ms10: target('p50Ms10', summary.p50Ms10, '<=', 300, 'ms'),
    p95Ms10: target('p95Ms10', summary.p95Ms10, '<=', 1000, 'ms'),
    allIn25Ms: target('allIn25Ms', summary.allIn25Ms, '<=', 5000, 'ms'),
    // The default configuration (issue 16): fast without tuning WORKER_WARM_PAGES.
    p50Ms10WarmBrowser: target('p50Ms10WarmBrowser', summary.p50Ms10WarmBrowser, '<=', 500, 'ms'),
    p95Ms10WarmBrowser: target('p95Ms10WarmBrowser', summary.p95Ms10WarmBrowser, '<=', 1500, 'ms'),
  };
  const rows = cells.map((cell) => row(cell, baselines.get(cell.size) ?? []));
  const notes = [
    `Enqueue (producer library) → in_meeting (the bot store's timestamp, read from ${'<prefix>:bot-events'}), ` +
      `one ZAK bot per meeting, ${rounds} round(s) per cell; p50/p95/max pool every round's bots.`,
    'Summary p50Ms10/p95Ms10/allIn25Ms: mode `warm` (one warm page per join, pool sized for the round); ' +
      'allIn25Ms is the worst round (first enqueue → last in_meeting). `warm-browser` is the default pool ' +
      '(Chromium running, 1 warm page to start, then as many as the last burst within free slots); `cold` ' +
      'enqueues the moment a fresh worker is ready. In `warm-browser` the first round of 10 finds one warm ' +
      'page (the pool has seen single joins only) and its nine other pages load while the bots wait, two at ' +
      'a time on this machine; the adaptive pool then keeps about ten warm, so the later rounds start on ' +
      'warm pages (runner/browser/warm-pool-target.ts).',
    'simBaseline: bare sim participants, same concurrency, each minting a ZAK over REST and joining over ' +
      'the WebSocket until Connected; `ours` = runner p50 − baseline p50 (queue, worker, Chromium page, ' +
      'SDK bridge, bot store).',
    'Phases (p50): enqueue = the producer call; pickup = enqueue returned → minting; creds+page = minting → joining (signature, ZAK mint, page ' +
      'open); sdk join = joining → in_meeting (page → sim → Connected, sim included).',
    describeLoad(load),
    describeChromiumArgs(),
    ...(run.warmFailures > 0
      ? [
          `${run.warmFailures} page warm-up(s) failed (worker log 'could not warm a page': page-ready timeouts and ` +
            'Puppeteer races while many pages load at once); the pool retries on its next open or after a ' +
            'backoff (1–60 s), so the benchmark asked it to top up again before each round.',
        ]
      : []),
    ...missedTargetNotes(targets).map((note) => `${note} ${whyMissed(cells)} ${describeLoad(load)}`),
    ...cells
      .filter((c) => c.failures.length > 0)
      .map(
        (c) =>
          `${c.mode} ×${c.size}: ${c.failures.length} join(s) failed: ${[...new Set(c.failures)].join('; ')}`,
      ),
  ];
  return {
    summary,
    targets,
    notes,
    table: rows,
    details: {
      cells: rows,
      joins: cells.map((c) => ({
        mode: c.mode,
        size: c.size,
        allInMs: c.allInMs,
        totalMs: c.timings.map((t) => t.totalMs),
        phases: c.timings.map((t) => t.phases),
      })),
      baselines: Object.fromEntries(baselines),
      load,
    },
  };
}

function row(cell: Cell, baseline: number[]): Record<string, string | number | null> {
  const totals = spread(cell.timings.map((t) => t.totalMs));
  const phase = (pick: (t: JoinTiming) => number | undefined) =>
    spread(cell.timings.flatMap((t) => (pick(t) === undefined ? [] : [pick(t) as number]))).p50;
  const base = spread(baseline);
  return {
    mode: cell.mode,
    size: cell.size,
    joins: totals.count,
    failed: cell.failures.length,
    p50Ms: totals.p50,
    p95Ms: totals.p95,
    maxMs: totals.max,
    allInMaxMs: cell.allInMs.length > 0 ? Math.max(...cell.allInMs) : null,
    enqueueP50: phase((t) => t.phases?.enqueueMs),
    pickupP50: phase((t) => t.phases?.pickupMs),
    credsPageP50: phase((t) => t.phases?.credentialsAndPageMs),
    sdkJoinP50: phase((t) => t.phases?.sdkJoinMs),
    simP50Ms: round(base.p50),
    simP95Ms: round(base.p95),
    oursP50Ms: totals.p50 !== null && base.p50 !== null ? round(totals.p50 - base.p50) : null,
  };
}

/** Which phase took the time in the warm cells: the "why" of a missed join target. */
function whyMissed(cells: Cell[]): string {
  const warm = cells.filter((c) => c.mode === 'warm' && c.size > 1);
  const parts = warm.map((c) => {
    const r = row(c, []);
    return `warm ×${c.size} p50 phases: enqueue ${r.enqueueP50} ms, pickup ${r.pickupP50} ms, creds+page ${r.credsPageP50} ms, sdk join ${r.sdkJoinP50} ms`;
  });
  return `Where the time went: ${parts.join('; ')}. The machine has 2 cores shared by the worker, every Chromium renderer, the sim and Redis; replacement pages are warmed while the joins run.`;
}

function parseModes(value: string): Mode[] {
  return value.split(',').map((m) => {
    const mode = m.trim() as Mode;
    if (!MODES.includes(mode)) throw new Error(`--modes: '${m}' is not one of ${MODES.join(', ')}`);
    return mode;
  });
}

function describe(s: Spread): string {
  return `p50 ${round(s.p50)} ms, p95 ${round(s.p95)} ms, max ${round(s.max)} ms (${s.count})`;
}

function progress(line: string): void {
  process.stdout.write(`  ${line}\n`);
}
