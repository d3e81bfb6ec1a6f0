import type { Redis } from 'ioredis';
import { BOT_STATES, type BotState } from '../../shared/bot-states.js';
import { FLEET_HISTORY_MINUTES, fleetMinuteKey } from '../queue/fleet-minutes.js';
import type { QueueKeys } from '../queue/queue-names.js';
import { LIVE_STATES } from './fleet-bots.js';

export interface FleetHistory {
  /** Unix minute of the first point; points follow minute by minute, the last is the current one. */
  fromMinute: number;
  /** Bots in each state now: ZCARD of its index (for `ended`, the ended views still kept). */
  counts: Record<BotState, number>;
  /** Live states: bots in the state at the end of each minute (the last point is now). */
  states: Record<string, number[]>;
  /** Bots ended in each minute, by end reason. */
  ends: Record<string, number[]>;
  /** Bots gone to `rejoining` in each minute, by why. */
  rejoins: Record<string, number[]>;
}

/**
 * The last hour of the fleet from the per-minute counters (runner/queue/fleet-minutes.ts): one
 * transaction of a ZCARD per state and an HGETALL per minute, so the counts and the deltas they are
 * walked back from belong to the same instant. Minutes are Redis' own (TIME), as the scripts count.
 */
export async function readFleetHistory(redis: Redis, prefix: string, keys: QueueKeys): Promise<FleetHistory> {
  const [seconds] = await redis.time();
  const nowMinute = Math.floor(Number(seconds) / 60);
  const fromMinute = nowMinute - FLEET_HISTORY_MINUTES + 1;
  const transaction = redis.multi();
  for (const state of BOT_STATES) transaction.zcard(keys.stateIndex(state));
  for (let minute = fromMinute; minute <= nowMinute; minute++)
    transaction.hgetall(fleetMinuteKey(prefix, minute));
  const replies = ((await transaction.exec()) ?? []).map(([error, value]) => (error ? undefined : value));
  const counts = Object.fromEntries(BOT_STATES.map((state, i) => [state, Number(replies[i] ?? 0)])) as Record<
    BotState,
    number
  >;
  const minutes = replies.slice(BOT_STATES.length).map((value) => (value ?? {}) as Record<string, string>);

  const series = (): number[] => new Array<number>(minutes.length).fill(0);
  const ends: Record<string, number[]> = {};
  const rejoins: Record<string, number[]> = {};
  const deltas: Record<string, number[]> = {};
  minutes.forEach((fields, i) => {
    for (const [field, value] of Object.entries(fields)) {
      const [kind, name] = splitField(field);
      const into = kind === 'end' ? ends : kind === 'rejoin' ? rejoins : kind === 'd' ? deltas : undefined;
      if (!into || !name) continue;
      into[name] ??= series();
      (into[name] as number[])[i] = Number(value);
    }
  });
  // Walked back from now: the count at the end of minute i is today's less what changed after it.
  const states: Record<string, number[]> = {};
  for (const state of LIVE_STATES) {
    const points = series();
    const delta = deltas[state];
    let count = counts[state];
    for (let i = points.length - 1; i >= 0; i--) {
      points[i] = Math.max(0, count);
      count -= delta?.[i] ?? 0;
    }
    states[state] = points;
  }
  return { fromMinute, counts, states, ends, rejoins };
}

function splitField(field: string): [string, string | undefined] {
  const colon = field.indexOf(':');
  return colon < 0 ? [field, undefined] : [field.slice(0, colon), field.slice(colon + 1)];
}
