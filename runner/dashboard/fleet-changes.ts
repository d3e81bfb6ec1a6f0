import type { Redis } from 'ioredis';
import { z } from 'zod';
import { botStateSchema } from '../../shared/bot-states.js';

/** One state change of one bot, as the fleet page lists it. */
export interface FleetChange {
  /** The events stream entry id: the page's cursor. */
  streamId: string;
  botId: string;
  state: string;
  at: string;
  /** Why (`drop`, an end reason…), as a short label. */
  reason?: string;
  displayName: string;
  meetingNumber: string;
  tenant?: string;
}

export interface FleetChanges {
  changes: FleetChange[];
  /** Pass back as `since` to get only what came after. */
  cursor: string;
  /** More came after `since` than one answer carries: the next one continues. */
  more: boolean;
}

/** A stream entry id (`<ms>-<seq>`). */
export const streamIdSchema = z.string().regex(/^\d{1,20}-\d{1,20}$/);

/** Recent changes on first load; at most this many per answer after. */
const FIRST_LOAD = 30;
const PER_ANSWER = 200;

const messageSchema = z.object({
  id: z.string(),
  state: botStateSchema,
  at: z.string(),
  view: z.object({
    displayName: z.string(),
    meetingNumber: z.string(),
    tenant: z.string().optional(),
    /** Only the last event (this change) is looked at: not parsed here, 50 of them per entry. */
    events: z.array(z.unknown()),
  }),
});

/**
 * Changes from the events stream (`<prefix>:bot-events-stream`, the store's durable record of every
 * change): the last few, or those after `since`. The page shows them as they come, so a bot that
 * was `rejoining` for 200 ms between two polls is still seen to have been. Only the fields above are
 * taken from an entry: never its webhook URLs (`url`, `global`) nor anything else of the view.
 */
export async function readChanges(redis: Redis, streamKey: string, since?: string): Promise<FleetChanges> {
  const entries =
    since === undefined
      ? (await redis.xrevrange(streamKey, '+', '-', 'COUNT', FIRST_LOAD)).reverse()
      : await redis.xrange(streamKey, `(${since}`, '+', 'COUNT', PER_ANSWER);
  const changes: FleetChange[] = [];
  for (const [streamId, fields] of entries) {
    const change = toChange(streamId, fields);
    if (change) changes.push(change);
  }
  return {
    changes,
    cursor: entries.at(-1)?.[0] ?? since ?? '0-0',
    more: since !== undefined && entries.length === PER_ANSWER,
  };
}

function toChange(streamId: string, fields: string[]): FleetChange | undefined {
  let raw: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'event') raw = fields[i + 1];
  if (raw === undefined) return undefined;
  let parsed: z.infer<typeof messageSchema>;
  try {
    const result = messageSchema.safeParse(JSON.parse(raw));
    if (!result.success) return undefined;
    parsed = result.data;
  } catch {
    return undefined;
  }
  const { view } = parsed;
  const last = view.events.at(-1) as { reason?: unknown } | undefined;
  const reason = typeof last?.reason === 'string' ? last.reason : undefined;
  return {
    streamId,
    botId: parsed.id,
    state: parsed.state,
    at: parsed.at,
    ...(reason !== undefined ? { reason: /^[a-z0-9_]{1,32}$/.test(reason) ? reason : 'other' } : {}),
    displayName: view.displayName,
    meetingNumber: view.meetingNumber,
    ...(view.tenant !== undefined ? { tenant: view.tenant } : {}),
  };
}
