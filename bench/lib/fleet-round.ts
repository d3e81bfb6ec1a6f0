import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import { BotEventTimeoutError, type LoggedBotEvent } from './bot-event-log.js';
import type { Timed } from './fleet-api.js';
import type { FleetRig, FleetWorker } from './fleet-rig.js';
import { mapLimited } from './map-limited.js';
import { cpuByGroup, cpuMs } from './process-cpu.js';
import { type CommandRates, commandCalls, commandRates, usedMemoryBytes } from './redis-stats.js';
import { percentile, round } from './stats.js';
import { sleep } from './warm-pool.js';

export interface FleetRoundOptions {
  bots: number;
  workers: number;
  auth: 'zak' | 'none';
  /** Ended bot views kept in Redis while the API is timed (docs/contract.md §13: 10 000). */
  endedViews: number;
  /** The steady-state window over which Redis commands are counted. */
  steadySec: number;
  /** `GET /v1/bots/:id` calls timed, and `GET /v1/bots` calls. */
  gets: number;
  lists: number;
  /** `GET /admin/fleet/data` calls timed, and `GET /admin/fleet` calls (one at a time, as one operator). */
  fleetReads: number;
  /** `POST /v1/bots` in flight at once while the fleet fills. */
  enqueueConcurrency: number;
}

export interface FleetRound {
  bots: number;
  workers: number;
  /** WORKER_CONCURRENCY each worker ran with (room for the killed workers' bots on the others). */
  workerConcurrency: number;
  killedWorkers: number;
  /** First enqueue → last `in_meeting` (null when a bot never got in). */
  allInMs: number | null;
  enqueueP50Ms: number | null;
  enqueueP99Ms: number | null;
  /** `POST /v1/bots` in flight at once while the fleet filled. */
  enqueueConcurrency: number;
  /** CPU time of the api process per `POST /v1/bots`: what bounds enqueues per second per api process. */
  apiCpuMsPerEnqueue: number | null;
  /** Median split of a join, from the bots' own state changes. */
  joinPhasesP50Ms: { pickup: number | null; credentialsAndPage: number | null; join: number | null };
  redisOpsPerBotSec: number;
  redisBytesPerBot: number;
  /** used_memory per ended view kept (they were made before the fleet). */
  endedViewBytes: number | null;
  getP50Ms: number | null;
  getP99Ms: number | null;
  listP50Ms: number | null;
  listP99Ms: number | null;
  /** `GET /admin/fleet/data` (the fleet page's JSON: every live bot, never the ended views). */
  fleetDataP50Ms: number | null;
  fleetDataP99Ms: number | null;
  /** The api's own time reading Redis for those answers (the snapshot's `readMs`). */
  fleetDataReadP50Ms: number | null;
  fleetDataReadP99Ms: number | null;
  /** Size of a `/admin/fleet/data` answer (median). */
  fleetDataBytes: number | null;
  /** Live bots the last `/admin/fleet/data` answer listed in its meetings. */
  fleetDataBots: number | null;
  /** `GET /admin/fleet` (the page's static HTML, behind the same login). */
  fleetPageP50Ms: number | null;
  fleetPageP99Ms: number | null;
  /** kill -9 of `killedWorkers` → the last of their bots `in_meeting` again. */
  recoverMs: number | null;
  /** Bots the killed workers held. */
  recoveredBots: number;
  /** Bots with two copies in their meeting at any moment of the run (sim history), or at the end. */
  duplicates: number;
  /** Bots not `in_meeting` with exactly one live copy at the end. */
  lost: number;
  /** Every command per in-meeting bot per second in the steady window, largest first. */
  commandsPerBotSec: Array<{ command: string; perBotSec: number }>;
  /** CPU ms per in-meeting bot per second of steady state, by role (1 = a core per 1 000 bots). */
  cpuMsPerBotSec: Record<string, number>;
  /** Bots that did not get in, or did not come back, and why (at most 20). */
  failures: string[];
  seconds: { seedEndedViews: number; fill: number; total: number };
}

const JOIN_TIMEOUT_BASE_MS = 60_000;
const RECOVER_TIMEOUT_MS = 120_000;
/** After the fleet is in: the workers' and reconciler's first rounds settle before anything is counted. */
const SETTLE_MS = 5_000;
const LIST_QUERIES: ReadonlyArray<Record<string, string>> = [
  { limit: '100' },
  { limit: '100', state: 'in_meeting' },
  { limit: '100', state: 'ended' },
];

interface FleetBot {
  botId: string;
  meetingNumber: string;
  enqueuedMs: number;
  enqueueMs: number;
}

/** One fleet size on fresh processes and a fresh Redis: fill, steady state, API, recovery, checks. */
export async function runFleetRound(
  rig: FleetRig,
  options: FleetRoundOptions,
  workerConcurrency: number,
): Promise<FleetRound> {
  const startedAt = Date.now();
  const failures: string[] = [];
  const fail = (line: string) => {
    if (failures.length < 20) failures.push(line);
  };

  const seedStarted = Date.now();
  const beforeSeed = await usedMemoryBytes(rig.redis);
  await seedEndedViews(rig, options.endedViews);
  const seedEndedViewsSec = (Date.now() - seedStarted) / 1000;
  const afterSeed = await usedMemoryBytes(rig.redis);
  progress(`${options.endedViews} ended views kept (${Math.round(seedEndedViewsSec)} s)`);

  const meetings = await mapLimited(
    Array.from({ length: options.bots }),
    16,
    async () => (await rig.control.createMeeting()).number,
  );
  await warmApi(rig);
  await sleep(1_000);
  const beforeFill = await usedMemoryBytes(rig.redis);

  // Fill: every bot through the API, `enqueueConcurrency` requests in flight.
  const apiCpuBefore = cpuMs(rig.api.pid);
  const fillStarted = Date.now();
  const fleet = await mapLimited(meetings, options.enqueueConcurrency, async (meetingNumber, i) => {
    const enqueuedMs = Date.now();
    const answer: Timed<{ id: string }> = await rig.api.enqueue({
      meetingNumber,
      displayName: `Fleet ${i + 1}`,
      auth: { type: options.auth },
    });
    return { botId: answer.value.id, meetingNumber, enqueuedMs, enqueueMs: answer.ms } satisfies FleetBot;
  });
  // Only enqueues reach the API until every one has answered: its CPU time is theirs.
  const apiCpuMsPerEnqueue = (cpuMs(rig.api.pid) - apiCpuBefore) / options.bots;
  const joinTimeoutMs = JOIN_TIMEOUT_BASE_MS + options.bots * 100;
  const joined = await Promise.all(
    fleet.map((bot) =>
      reached(rig, bot.botId, (e) => e.state === 'in_meeting' || e.state === 'ended', joinTimeoutMs),
    ),
  );
  const inAt: number[] = [];
  joined.forEach((event, i) => {
    const bot = fleet[i] as FleetBot;
    if (event?.state === 'in_meeting') inAt.push(event.atMs);
    else fail(`${bot.botId}: not in (${event ? `ended ${event.reason ?? ''}` : 'timed out'})`);
  });
  const allInMs = inAt.length === fleet.length ? Math.max(...inAt) - fillStarted : null;
  const fillSec = (Date.now() - fillStarted) / 1000;
  progress(`fill: ${inAt.length}/${fleet.length} in_meeting, all in ${allInMs ?? '–'} ms`);

  await sleep(SETTLE_MS);
  const afterFill = await usedMemoryBytes(rig.redis);
  const steady = await steadyRates(rig, options.steadySec);
  const rates = steady.commands;
  const inMeeting = inAt.length || 1;
  progress(`steady state: ${round(rates.totalPerSec / inMeeting, 2)} Redis commands per bot per second`);

  const ids = fleet.map((b) => b.botId);
  const gets = await mapLimited(Array.from({ length: options.gets }), 4, async () => {
    const id = ids[Math.floor(Math.random() * ids.length)] as string;
    return (await rig.api.get(id)).ms;
  });
  const lists = await mapLimited(Array.from({ length: options.lists }), 2, async (_, i) => {
    const query = LIST_QUERIES[i % LIST_QUERIES.length] as Record<string, string>;
    const first = await rig.api.list(query);
    // Every other call goes one page further, where the ended views start for an unfiltered list.
    if (i % 2 === 1 && first.value.nextCursor) {
      return [first.ms, (await rig.api.list({ ...query, cursor: first.value.nextCursor })).ms];
    }
    return [first.ms];
  });
  const listMs = lists.flat();
  progress(
    `API: get p99 ${round(percentile(gets, 99), 1)} ms, list p99 ${round(percentile(listMs, 99), 1)} ms`,
  );
  const fleetPage = await timeFleetPage(rig, options.fleetReads);
  if (inAt.length === fleet.length && fleetPage.bots !== fleet.length)
    fail(`fleet page: listed ${fleetPage.bots ?? '–'} live bots of ${fleet.length} in their meetings`);
  progress(
    `fleet page: data p99 ${round(percentile(fleetPage.dataMs, 99), 1)} ms (${fleetPage.bots ?? '–'} bots, ${Math.round((percentile(fleetPage.bytes, 50) ?? 0) / 1024)} KB), page p99 ${round(percentile(fleetPage.pageMs, 99), 1)} ms`,
  );

  const killedWorkers = Math.max(1, Math.round(options.workers / 4));
  const recovery = await recover(rig, ids, rig.workers.slice(0, killedWorkers), fail);
  progress(
    `recovery: ${recovery.bots} bots of ${killedWorkers} killed worker(s) back in ${recovery.ms ?? '–'} ms`,
  );
  await sleep(3_000);
  const checks = await finalChecks(rig, fleet, fail);

  const enqueueMs = fleet.map((b) => b.enqueueMs);
  const phases = fleet.map((bot) => joinPhases(rig.events.events(bot.botId), bot));
  const median = (key: keyof ReturnType<typeof joinPhases>) =>
    percentile(
      phases.flatMap((p) => (p[key] === undefined ? [] : [p[key] as number])),
      50,
    );
  return {
    bots: options.bots,
    workers: options.workers,
    workerConcurrency,
    killedWorkers,
    allInMs,
    enqueueP50Ms: round(percentile(enqueueMs, 50), 1),
    enqueueP99Ms: round(percentile(enqueueMs, 99), 1),
    enqueueConcurrency: options.enqueueConcurrency,
    apiCpuMsPerEnqueue: round(apiCpuMsPerEnqueue, 2),
    joinPhasesP50Ms: {
      pickup: median('pickup'),
      credentialsAndPage: median('credentialsAndPage'),
      join: median('join'),
    },
    redisOpsPerBotSec: round(rates.totalPerSec / inMeeting, 3) ?? 0,
    redisBytesPerBot: Math.round((afterFill - beforeFill) / options.bots),
    endedViewBytes: options.endedViews > 0 ? Math.round((afterSeed - beforeSeed) / options.endedViews) : null,
    getP50Ms: round(percentile(gets, 50), 1),
    getP99Ms: round(percentile(gets, 99), 1),
    listP50Ms: round(percentile(listMs, 50), 1),
    listP99Ms: round(percentile(listMs, 99), 1),
    fleetDataP50Ms: round(percentile(fleetPage.dataMs, 50), 1),
    fleetDataP99Ms: round(percentile(fleetPage.dataMs, 99), 1),
    fleetDataReadP50Ms: round(percentile(fleetPage.readMs, 50), 1),
    fleetDataReadP99Ms: round(percentile(fleetPage.readMs, 99), 1),
    fleetDataBytes: percentile(fleetPage.bytes, 50),
    fleetDataBots: fleetPage.bots,
    fleetPageP50Ms: round(percentile(fleetPage.pageMs, 50), 1),
    fleetPageP99Ms: round(percentile(fleetPage.pageMs, 99), 1),
    recoverMs: recovery.ms,
    recoveredBots: recovery.bots,
    duplicates: checks.duplicates,
    lost: checks.lost,
    commandsPerBotSec: rates.byCommand.map((c) => ({
      command: c.command,
      perBotSec: round(c.perSec / inMeeting, 3) ?? 0,
    })),
    cpuMsPerBotSec: Object.fromEntries(
      Object.entries(steady.cpuMsPerSec).map(([role, ms]) => [role, round(ms / inMeeting, 3) ?? 0]),
    ),
    failures,
    seconds: {
      seedEndedViews: round(seedEndedViewsSec, 1) ?? 0,
      fill: round(fillSec, 1) ?? 0,
      total: round((Date.now() - startedAt) / 1000, 1) ?? 0,
    },
  };
}

/**
 * Ended views as a long-running deployment keeps them (7 days after the end): each made and ended
 * through the producer library (scheduled an hour out, then left), never reaching a worker.
 */
async function seedEndedViews(rig: FleetRig, count: number): Promise<void> {
  const joinAt = new Date(Date.now() + 3_600_000).toISOString();
  await mapLimited(Array.from({ length: count }), 32, async (_, i) => {
    const { bot } = await rig.producer.enqueue({
      meetingNumber: '81234567890',
      displayName: `Ended ${i + 1}`,
      auth: { type: 'none' },
      joinAt,
    });
    await rig.producer.leave(bot.id);
  });
}

/** Redis commands, and each role's CPU time, over `seconds` of steady state. */
/**
 * A long-running API has connected and resolved its job key before the first request it serves: this
 * one pays that with a bot scheduled an hour out and left at once, before any clock starts.
 */
async function warmApi(rig: FleetRig): Promise<void> {
  const joinAt = new Date(Date.now() + 3_600_000).toISOString();
  for (let i = 0; i < 3; i++) {
    const { value } = await rig.api.enqueue({
      meetingNumber: '81234567890',
      displayName: 'Warm-up',
      auth: { type: 'none' },
      joinAt,
    });
    await rig.api.get(value.id);
    await rig.api.leave(value.id);
  }
  await rig.api.list({ limit: '1' });
  // The fleet page too (and its login: a wrong one fails here, before the fill).
  await rig.api.fleetPage();
  await rig.api.fleetData();
}

/**
 * The operator's fleet page with the fleet in, one request at a time as one operator's browser makes
 * them: `count` loads of `/admin/fleet` and `count` of `/admin/fleet/data`. Every other data read
 * passes the previous answer's `changes.cursor` as `since`, as the page's 2 s polls do; the others are
 * a first load (the last 30 changes).
 */
async function timeFleetPage(
  rig: FleetRig,
  count: number,
): Promise<{ dataMs: number[]; readMs: number[]; bytes: number[]; pageMs: number[]; bots: number | null }> {
  const dataMs: number[] = [];
  const readMs: number[] = [];
  const bytes: number[] = [];
  const pageMs: number[] = [];
  let cursor: string | undefined;
  let bots: number | null = null;
  for (let i = 0; i < count; i++) {
    pageMs.push((await rig.api.fleetPage()).ms);
    const { ms, value } = await rig.api.fleetData(i % 2 === 1 ? cursor : undefined);
    dataMs.push(ms);
    readMs.push(value.snapshot.readMs);
    bytes.push(value.bytes);
    cursor = value.snapshot.changes.cursor;
    bots = value.snapshot.meetings.reduce((sum, meeting) => sum + meeting.bots.length, 0);
  }
  return { dataMs, readMs, bytes, pageMs, bots };
}

async function steadyRates(
  rig: FleetRig,
  seconds: number,
): Promise<{ commands: CommandRates; cpuMsPerSec: Record<string, number> }> {
  const pids = rig.pids();
  const before = await commandCalls(rig.redis);
  const cpuBefore = cpuByGroup(pids);
  const started = performance.now();
  await sleep(seconds * 1000);
  const after = await commandCalls(rig.redis);
  const cpuAfter = cpuByGroup(pids);
  const elapsedSec = (performance.now() - started) / 1000;
  return {
    commands: commandRates(before, after, elapsedSec),
    cpuMsPerSec: Object.fromEntries(
      Object.entries(cpuAfter).map(([role, ms]) => [role, (ms - (cpuBefore[role] ?? 0)) / elapsedSec]),
    ),
  };
}

/** kill -9 of `victims`; resolves when every bot they held is `in_meeting` again (or out of time). */
async function recover(
  rig: FleetRig,
  ids: readonly string[],
  victims: readonly FleetWorker[],
  fail: (line: string) => void,
): Promise<{ ms: number | null; bots: number }> {
  const holders = await rig.holders(ids);
  const names = new Set(victims.map((v) => v.name));
  const theirs = ids.filter((id) => names.has(holders.get(id) ?? ''));
  const killedAt = Date.now();
  await Promise.all(victims.map((victim) => rig.kill(victim)));
  const back = await Promise.all(
    theirs.map((id) =>
      reached(rig, id, (e) => e.state === 'in_meeting' && e.atMs > killedAt, RECOVER_TIMEOUT_MS),
    ),
  );
  let last = killedAt;
  let missing = 0;
  back.forEach((event, i) => {
    if (event) last = Math.max(last, event.atMs);
    else {
      missing += 1;
      fail(`${theirs[i]}: not back after the kill`);
    }
  });
  return { ms: missing === 0 && theirs.length > 0 ? last - killedAt : null, bots: theirs.length };
}

/** Duplicates from the sim (history overlaps, or two live copies now); lost: not in, or not exactly once. */
async function finalChecks(
  rig: FleetRig,
  fleet: readonly FleetBot[],
  fail: (line: string) => void,
): Promise<{ duplicates: number; lost: number }> {
  const results = await mapLimited(fleet, 16, async (bot) => {
    const [view, meeting] = await Promise.all([
      rig.producer.get(bot.botId),
      rig.control.meeting(bot.meetingNumber),
    ]);
    const live = meeting.participants.filter((p) => p.customerKey === bot.botId && p.state === 'in_meeting');
    const duplicate = live.length > 1 || overlappingBotCopies(meeting).length > 0;
    const lost = view.state !== 'in_meeting' || live.length !== 1;
    if (duplicate) fail(`${bot.botId}: two copies in meeting ${bot.meetingNumber}`);
    if (lost)
      fail(`${bot.botId}: ${view.state} with ${live.length} live cop${live.length === 1 ? 'y' : 'ies'}`);
    return { duplicate, lost };
  });
  return {
    duplicates: results.filter((r) => r.duplicate).length,
    lost: results.filter((r) => r.lost).length,
  };
}

/** The first matching change, or undefined when none came in time. */
async function reached(
  rig: FleetRig,
  botId: string,
  match: (event: LoggedBotEvent) => boolean,
  timeoutMs: number,
): Promise<LoggedBotEvent | undefined> {
  try {
    return await rig.events.waitFor(botId, match, timeoutMs);
  } catch (error) {
    if (error instanceof BotEventTimeoutError) return undefined;
    throw error;
  }
}

/** enqueue sent → `minting`, → the last `joining`, → `in_meeting` (first time in). */
function joinPhases(
  events: readonly LoggedBotEvent[],
  bot: FleetBot,
): { pickup?: number; credentialsAndPage?: number; join?: number } {
  const inMeeting = events.find((e) => e.state === 'in_meeting');
  if (!inMeeting) return {};
  const before = events.filter((e) => e.atMs <= inMeeting.atMs);
  const minting = before.find((e) => e.state === 'minting');
  const joining = before.filter((e) => e.state === 'joining').at(-1);
  if (!minting || !joining) return {};
  return {
    pickup: minting.atMs - bot.enqueuedMs,
    credentialsAndPage: joining.atMs - minting.atMs,
    join: inMeeting.atMs - joining.atMs,
  };
}

function progress(line: string): void {
  process.stdout.write(`  ${line}\n`);
}
