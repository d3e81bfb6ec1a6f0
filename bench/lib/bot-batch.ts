import type { BenchFleet } from './bench-fleet.js';
import type { LoggedBotEvent } from './bot-event-log.js';

/** One bot of a batch, each in a meeting of its own (one Zoom user may sit in a meeting only once). */
export interface BatchBot {
  botId: string;
  meetingNumber: string;
}

/** Where a join's time went, from the bot's own state changes. */
export interface JoinPhases {
  /** The producer library's enqueue call (validation, bot view, BullMQ job). */
  enqueueMs: number;
  /** enqueue returned → `minting`: the queue handing the job to a worker. */
  pickupMs: number;
  /** `minting` → `joining`: signature and ZAK minted, page opened (warm or made on the spot). */
  credentialsAndPageMs: number;
  /** `joining` → `in_meeting`: the SDK's join through the page, the sim included. */
  sdkJoinMs: number;
}

export interface JoinTiming extends BatchBot {
  /** Just before the enqueue call (ms since the epoch). */
  enqueuedMs: number;
  /** When the enqueue call returned. */
  enqueueReturnedMs: number;
  /** The store's timestamp of `in_meeting`. */
  inMeetingMs: number;
  totalMs: number;
  phases: JoinPhases | undefined;
}

export interface JoinBatch {
  joined: JoinTiming[];
  /** Bots that ended or did not get in within the timeout, with what they showed last. */
  failed: Array<BatchBot & { detail: string }>;
  /** First enqueue → last `in_meeting` (null when any bot failed). */
  allInMs: number | null;
}

/** Meetings for `count` bots, made before any clock starts. */
export async function createMeetings(fleet: BenchFleet, count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, async () => (await fleet.control.createMeeting()).number));
}

/**
 * Enqueues one ZAK bot per meeting, all at once, through the producer library, and waits until each
 * is `in_meeting` (or ended, or out of time). Times come from the bot store's own timestamps.
 */
export async function joinBatch(
  fleet: BenchFleet,
  meetings: readonly string[],
  options: { name: string; timeoutMs: number },
): Promise<JoinBatch> {
  const started = await Promise.all(
    meetings.map(async (meetingNumber, i) => {
      const enqueuedMs = Date.now();
      const { bot } = await fleet.bots.enqueue({
        meetingNumber,
        displayName: `${options.name} ${i + 1}`,
        auth: { type: 'zak' },
      });
      return { botId: bot.id, meetingNumber, enqueuedMs, enqueueReturnedMs: Date.now() };
    }),
  );
  const outcomes = await Promise.all(
    started.map(async (bot) => {
      try {
        const end = await fleet.events.waitFor(
          bot.botId,
          (e) => e.state === 'in_meeting' || e.state === 'ended',
          options.timeoutMs,
        );
        if (end.state === 'ended') return { ...bot, failed: `ended (${end.reason ?? 'no reason'})` };
        const inMeetingMs = end.atMs;
        const phases = joinPhases(bot, fleet.events.events(bot.botId), inMeetingMs);
        return { ...bot, inMeetingMs, totalMs: inMeetingMs - bot.enqueuedMs, phases };
      } catch (error) {
        return { ...bot, failed: (error as Error).message };
      }
    }),
  );
  const joined: JoinTiming[] = [];
  const failed: JoinBatch['failed'] = [];
  for (const outcome of outcomes) {
    if ('failed' in outcome) {
      failed.push({ botId: outcome.botId, meetingNumber: outcome.meetingNumber, detail: outcome.failed });
    } else {
      joined.push(outcome);
    }
  }
  const firstEnqueue = Math.min(...started.map((b) => b.enqueuedMs));
  const lastIn = Math.max(...joined.map((j) => j.inMeetingMs));
  return { joined, failed, allInMs: failed.length === 0 ? lastIn - firstEnqueue : null };
}

/** Phases from the first `minting` and the last `joining` before `in_meeting`. */
export function joinPhases(
  enqueue: { enqueuedMs: number; enqueueReturnedMs: number },
  events: readonly LoggedBotEvent[],
  inMeetingMs: number,
): JoinPhases | undefined {
  const before = events.filter((e) => e.atMs <= inMeetingMs);
  const minting = before.find((e) => e.state === 'minting');
  const joining = before.filter((e) => e.state === 'joining').at(-1);
  if (!minting || !joining) return undefined;
  return {
    enqueueMs: enqueue.enqueueReturnedMs - enqueue.enqueuedMs,
    pickupMs: minting.atMs - enqueue.enqueueReturnedMs,
    credentialsAndPageMs: joining.atMs - minting.atMs,
    sdkJoinMs: inMeetingMs - joining.atMs,
  };
}
