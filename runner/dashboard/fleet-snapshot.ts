import type { Redis } from 'ioredis';
import type { BotState } from '../../shared/bot-states.js';
import { queueKeys } from '../queue/queue-names.js';
import { type LiveBot, readLiveBots } from './fleet-bots.js';
import { type FleetChanges, readChanges } from './fleet-changes.js';
import { type FleetHistory, readFleetHistory } from './fleet-history.js';
import { readWorkers } from './fleet-workers.js';

export interface FleetBot extends LiveBot {
  /** The worker whose heartbeat lists it; absent while queued, or between workers. */
  worker?: string;
}

export interface FleetMeeting {
  meetingNumber: string;
  bots: FleetBot[];
}

export interface FleetWorkerView {
  name: string;
  host?: string;
  pid?: number;
  lastBeatAt: number;
  /** How long ago it last beat, by this process' clock. */
  beatAgeMs: number;
  silent: boolean;
  slots?: number;
  freeSlots?: number;
  accepting?: boolean;
  chromiumBytes?: number | null;
  browsers?: number | null;
  warmPages?: number | null;
  /** Ids of the bots it holds (their names and states are in `meetings`). */
  bots: string[];
}

/** `/admin/fleet/data`: everything the fleet page shows, read from Redis in one go. */
export interface FleetSnapshot {
  at: string;
  /** How long reading Redis took for this answer. */
  readMs: number;
  counts: Record<BotState, number>;
  history: Omit<FleetHistory, 'counts'>;
  meetings: FleetMeeting[];
  workers: FleetWorkerView[];
  changes: FleetChanges;
}

export interface FleetReadOptions {
  /** The events stream id the page has seen up to (its last `changes.cursor`). */
  since?: string | undefined;
  now?: () => number;
}

/**
 * Reads the fleet for the page: live bots (never the ended ones), worker heartbeats, the last
 * hour's per-minute counters and the recent changes, concurrently on one connection (a few round
 * trips in all). Correct from any api process: nothing here is kept in the process.
 */
export async function readFleetSnapshot(
  redis: Redis,
  prefix: string,
  options: FleetReadOptions = {},
): Promise<FleetSnapshot> {
  const now = options.now ?? Date.now;
  const startedAt = performance.now();
  const keys = queueKeys(prefix);
  const at = now();
  const [bots, workers, history, changes] = await Promise.all([
    readLiveBots(redis, prefix, keys),
    readWorkers(redis, prefix, at),
    readFleetHistory(redis, prefix, keys),
    readChanges(redis, keys.eventsStream, options.since),
  ]);
  const workerOf = new Map<string, string>();
  for (const worker of workers) for (const id of worker.beat?.bots ?? []) workerOf.set(id, worker.name);

  const meetings = new Map<string, FleetBot[]>();
  for (const bot of bots) {
    const worker = workerOf.get(bot.id);
    const list = meetings.get(bot.meetingNumber) ?? [];
    list.push(worker !== undefined ? { ...bot, worker } : bot);
    meetings.set(bot.meetingNumber, list);
  }
  const { counts, ...series } = history;
  return {
    at: new Date(at).toISOString(),
    readMs: Math.round(performance.now() - startedAt),
    counts,
    history: series,
    meetings: [...meetings]
      .map(([meetingNumber, list]) => ({
        meetingNumber,
        bots: list.sort((a, b) => byText(a.displayName, b.displayName) || byText(a.id, b.id)),
      }))
      .sort((a, b) => b.bots.length - a.bots.length || byText(a.meetingNumber, b.meetingNumber)),
    workers: workers.map(({ name, lastBeatAt, silent, beat }) => ({
      name,
      lastBeatAt,
      beatAgeMs: Math.max(0, at - lastBeatAt),
      silent,
      ...(beat
        ? {
            host: beat.host,
            pid: beat.pid,
            slots: beat.slots,
            freeSlots: Math.max(0, beat.slots - beat.bots.length),
            accepting: beat.accepting,
            chromiumBytes: beat.chromiumBytes,
            browsers: beat.browsers,
            warmPages: beat.warmPages,
          }
        : {}),
      bots: beat?.bots ?? [],
    })),
    changes,
  };
}

/** Code-point order: `localeCompare` costs a few ms per thousand bots, and names need no collation here. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
