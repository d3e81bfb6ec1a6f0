import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BotState } from '../../shared/bot-states.js';
import { type BotView, botViewSchema } from '../../shared/bot-view.js';
import type { QueueKeys } from './queue-names.js';

export interface BotListQuery {
  state?: BotState | undefined;
  /** Only this tenant's bots, read from its own indexes; undefined: every tenant's. */
  tenant?: string | undefined;
  limit: number;
  /** Position after which the page starts (decoded `nextCursor`). */
  after?: ListPosition | undefined;
}

export interface BotListPage {
  items: BotView[];
  nextCursor?: string;
}

/** Index order is (createdMs desc, id desc): a position is the last item of the previous page. */
export interface ListPosition {
  createdMs: number;
  id: string;
}

const positionSchema = z.tuple([z.number().int().nonnegative(), z.string().min(1).max(64)]);

export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdMs, position.id])).toString('base64url');
}

/** `undefined` for anything that is not a cursor this module wrote. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  try {
    const parsed = positionSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? { createdMs: parsed.data[0], id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

const BATCH = 100;

/**
 * One page of bots, newest first. Reads the index in batches (a tenant's own, for a tenant), keeps
 * the entries after `after` (equal scores come in reverse id order, as ZREVRANGE returns them), and
 * drops entries whose view expired, removing them from the index on the way.
 */
export async function listBots(redis: Redis, keys: QueueKeys, query: BotListQuery): Promise<BotListPage> {
  const { tenant } = query;
  const all = tenant === undefined ? keys.allIndex : keys.tenantIndex(tenant);
  const index = !query.state
    ? all
    : tenant === undefined
      ? keys.stateIndex(query.state)
      : keys.tenantStateIndex(tenant, query.state);
  const items: { view: BotView; createdMs: number }[] = [];
  const max = query.after ? String(query.after.createdMs) : '+inf';
  let offset = 0;
  while (items.length <= query.limit) {
    const flat = await redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', offset, BATCH);
    if (flat.length === 0) break;
    offset += flat.length / 2;
    const entries: { id: string; createdMs: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i] as string;
      const createdMs = Number(flat[i + 1]);
      const after = query.after;
      if (after && createdMs === after.createdMs && id >= after.id) continue;
      entries.push({ id, createdMs });
    }
    if (entries.length === 0) continue;
    const raws = await redis.mget(entries.map((e) => keys.bot(e.id)));
    const gone: string[] = [];
    entries.forEach((entry, i) => {
      const raw = raws[i];
      if (raw === null || raw === undefined) {
        gone.push(entry.id);
        return;
      }
      const view = botViewSchema.parse((JSON.parse(raw) as { view: unknown }).view);
      // The index may lag a change by a moment; the view's own state (and tenant) is the truth.
      const inState = query.state === undefined || view.state === query.state;
      if (inState && (tenant === undefined || view.tenant === tenant))
        items.push({ view, createdMs: entry.createdMs });
    });
    if (gone.length > 0) {
      await redis.zrem(all, ...gone);
      if (query.state) await redis.zrem(index, ...gone);
      offset -= gone.length;
    }
  }
  const page = items.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((item) => item.view),
    ...(items.length > query.limit && last
      ? { nextCursor: encodeCursor({ createdMs: last.createdMs, id: last.view.id }) }
      : {}),
  };
}
