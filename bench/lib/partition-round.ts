import { startTcpProxy } from '../../testkit/tcp-proxy.js';
import type { WorkerProcess } from '../../testkit/worker-process.js';
import type { ParticipantView } from '../../zoom-sim/meetings/participant.js';
import { BENCH_REDIS_URL, type BenchFleet } from './bench-fleet.js';
import { type BatchBot, createMeetings, joinBatch } from './bot-batch.js';
import { overlapsIn, soleParticipant } from './bot-presence.js';
import { sleep } from './warm-pool.js';

/** Cut → every bot back: anything past this is a failure of the round. */
const BACK_TIMEOUT_MS = 60_000;
/** The link heals this long after the cut (as in test/chaos/partitioned-worker.test.ts). */
export const HEAL_AFTER_MS = 20_000;
/** After the heal, how long the cut-off worker's late writes have to (fail to) change anything. */
export const AFTER_HEAL_SETTLE_MS = 4_000;
/** How long worker B runs, idle, before the cut. */
const SURVIVOR_SETTLE_MS = 5_000;
/** A sim history event that takes a participant out of the meeting. */
const GONE = new Set(['left', 'dropped', 'removed', 'ended', 'duplicate_session']);

export interface PartitionBot {
  botId: string;
  /** Cut → A's copy gone from the sim (its history), as A's lock watchdog takes it out. */
  leftMs: number | null;
  /** The sim's history event for it (`left` when the page left by itself). */
  leftEvent: string | null;
  /** Cut → the first state recorded after the cut (B's `rejoining`, `resume`: detection). */
  detectedMs: number | null;
  detectedReason: string | null;
  /** That state → `in_meeting` (the rejoin on B). */
  rejoinMs: number | null;
  /** Cut → `in_meeting` again, from B (bot store timestamp). */
  backMs: number | null;
  newParticipant: boolean;
  failure?: string;
}

export interface PartitionRound {
  bots: PartitionBot[];
  /** Cut → the last bot `in_meeting` again; null when any did not come back. */
  allBackMs: number | null;
  /** Cut → the last of A's copies gone from the sim; null when any stayed. */
  allLeftMs: number | null;
  /** Cut → heal, as it happened. */
  healedAfterMs: number | null;
  /** After the heal: bots whose view left `in_meeting` or that had not exactly one live participant. */
  afterHeal: string[];
  /** Worker A's exit status after SIGTERM (0: it shut down in order after the partition). */
  cutOffExit: number | string | null;
  overlaps: string[];
  setupFailures: string[];
}

/**
 * Worker A (a child process) reaches Redis only through a TCP proxy; it takes `botCount` ZAK bots
 * into meetings of their own; worker B (another child, on Redis directly) then runs idle. The proxy
 * cuts the link (connections left open, nothing passing): A's lock watchdog takes its bots out of
 * their meetings, the locks lapse, and B's stall check hands the jobs to B. The round times the cut →
 * every bot back from B, then heals the link `HEAL_AFTER_MS` after the cut and checks that what A
 * still sends changes nothing (its writes are fenced by its lost lock tokens).
 */
export async function partitionRound(fleet: BenchFleet, botCount: number): Promise<PartitionRound> {
  const redis = new URL(BENCH_REDIS_URL);
  const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  const proxied = new URL(BENCH_REDIS_URL);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const workers: WorkerProcess[] = [];
  let botIds: string[] = [];
  let healed = false;
  try {
    const cutOff = await fleet.spawnWorker({ REDIS_URL: proxied.toString() });
    workers.push(cutOff);
    const meetings = await createMeetings(fleet, botCount);
    const batch = await joinBatch(fleet, meetings, { name: 'Partition', timeoutMs: 60_000 });
    botIds = [...batch.joined, ...batch.failed].map((b) => b.botId);
    const bots: BatchBot[] = batch.joined;
    workers.push(await fleet.spawnWorker());
    await sleep(SURVIVOR_SETTLE_MS);
    const before = new Map<string, ParticipantView | undefined>();
    for (const bot of bots) before.set(bot.botId, await soleParticipant(fleet.control, bot));

    const cutMs = Date.now();
    proxy.cut();
    let healedAfterMs: number | null = null;
    const healing = sleep(HEAL_AFTER_MS).then(() => {
      proxy.heal();
      healed = true;
      healedAfterMs = Date.now() - cutMs;
    });
    const recovered = await Promise.all(
      bots.map((bot) => timeBack(fleet, bot, cutMs, before.get(bot.botId))),
    );
    await healing;
    await sleep(AFTER_HEAL_SETTLE_MS);

    const afterHeal: string[] = [];
    for (const [i, bot] of bots.entries()) {
      const record = recovered[i] as PartitionBot;
      const [view, now, meeting] = await Promise.all([
        fleet.bots.get(bot.botId),
        soleParticipant(fleet.control, bot),
        fleet.control.meeting(bot.meetingNumber),
      ]);
      if (view.state !== 'in_meeting' || !now)
        afterHeal.push(
          `bot ${bot.botId}: ${view.state}, ${now ? 'one participant' : 'not exactly one participant'}`,
        );
      const first = before.get(bot.botId);
      record.newParticipant = now !== undefined && first !== undefined && now.id !== first.id;
      const gone = meeting.history.find((h) => h.participantId === first?.id && GONE.has(h.event));
      record.leftMs = gone ? Date.parse(gone.at) - cutMs : null;
      record.leftEvent = gone?.event ?? null;
      if (!first) record.failure ??= 'not exactly one participant before the cut';
    }
    const overlaps = await overlapsIn(fleet.control, meetings);
    await fleet.leaveAll(botIds);
    botIds = [];
    workers.splice(workers.indexOf(cutOff), 1);
    await fleet.stopChild(cutOff);
    const exit = await cutOff.exited;
    const back = recovered.map((b) => b.backMs);
    const left = recovered.map((b) => b.leftMs);
    return {
      bots: recovered,
      allBackMs: complete(back),
      allLeftMs: complete(left),
      healedAfterMs,
      afterHeal,
      cutOffExit: exit,
      overlaps,
      setupFailures: batch.failed.map((f) => f.detail),
    };
  } finally {
    if (!healed) proxy.heal();
    await fleet.leaveAll(botIds).catch(() => undefined);
    for (const worker of workers) await fleet.stopChild(worker);
    await proxy.close();
  }
}

async function timeBack(
  fleet: BenchFleet,
  bot: BatchBot,
  cutMs: number,
  before: ParticipantView | undefined,
): Promise<PartitionBot> {
  const record: PartitionBot = {
    botId: bot.botId,
    leftMs: null,
    leftEvent: null,
    detectedMs: null,
    detectedReason: null,
    rejoinMs: null,
    backMs: null,
    newParticipant: false,
  };
  if (!before) return { ...record, failure: 'not exactly one participant before the cut' };
  const back = await fleet.events
    .waitFor(
      bot.botId,
      (e) => e.atMs >= cutMs && (e.state === 'in_meeting' || e.state === 'ended'),
      BACK_TIMEOUT_MS,
    )
    .catch((error: Error) => error);
  if (back instanceof Error) return { ...record, failure: back.message };
  if (back.state === 'ended') return { ...record, failure: `ended (${back.reason ?? 'no reason'})` };
  // A reaches no Redis during the cut, so what is recorded after it is B's (A's late writes are fenced).
  const first = fleet.events.events(bot.botId).find((e) => e.atMs >= cutMs);
  return {
    ...record,
    detectedMs: first ? first.atMs - cutMs : null,
    detectedReason: first?.reason ?? null,
    rejoinMs: first ? back.atMs - first.atMs : null,
    backMs: back.atMs - cutMs,
  };
}

/** The largest of `values`, or null when any is missing (or there are none). */
function complete(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return Math.max(...(values as number[]));
}
