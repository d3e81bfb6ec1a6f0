import type { Redis } from 'ioredis';
import type { MeetingEvent } from '../../shared/meeting-events.js';
import {
  type AttendanceRow,
  attendanceRowSchema,
  type ParticipantItem,
  participantItem,
} from './attendance.js';
import type { MeetingEventKeys } from './meeting-event-keys.js';

/** Log entries looked at for one page when a `type` filter skips most of them: bounds one answer's work. */
const SCAN_MAX = 5_000;

export interface MeetingEventPageQuery {
  /** Only events with a greater `seq` (0: from the first kept). */
  after: number;
  /** A type (`chat.received`) or its group (`chat`); absent: every type. */
  type?: string | undefined;
  limit: number;
}

export interface MeetingEventPage {
  items: MeetingEvent[];
  /**
   * Pass as `after` for the next page: the last `seq` looked at (a filtered page may look further than
   * what it returns), or `after` itself when the log holds nothing newer yet.
   */
  nextAfter: number;
}

/** Reads one bot's meeting-event log and attendance (docs/contract.md §11). No access checks: callers do them. */
export class MeetingEventReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: MeetingEventKeys,
  ) {}

  async page(botId: string, query: MeetingEventPageQuery): Promise<MeetingEventPage> {
    const items: MeetingEvent[] = [];
    const matches = typeMatcher(query.type);
    let nextAfter = query.after;
    let scanned = 0;
    while (items.length < query.limit && scanned < SCAN_MAX) {
      const want = matches
        ? Math.min(SCAN_MAX - scanned, Math.max(query.limit * 2, 100))
        : query.limit - items.length;
      const entries = await this.redis.xrange(this.keys.log(botId), `${nextAfter + 1}-0`, '+', 'COUNT', want);
      for (const [id, fields] of entries) {
        nextAfter = Number.parseInt(id, 10);
        scanned += 1;
        const { type, json } = entryFields(fields);
        if (json === undefined || (matches && !matches(type))) continue;
        items.push(JSON.parse(json) as MeetingEvent);
        if (items.length === query.limit) break;
      }
      if (entries.length < want) break;
    }
    return { items, nextAfter };
  }

  /** The attendance, first seen first, as it stands at `now`. */
  async participants(botId: string, now: number): Promise<ParticipantItem[]> {
    const raw = await this.redis.hgetall(this.keys.people(botId));
    const rows: AttendanceRow[] = [];
    for (const value of Object.values(raw)) {
      const row = attendanceRowSchema.safeParse(parseJson(value));
      if (row.success) rows.push(row.data);
    }
    rows.sort((a, b) => a.firstSeenAt.localeCompare(b.firstSeenAt) || a.participantId - b.participantId);
    return rows.map((row) => participantItem(row, now));
  }
}

/** `chat` matches `chat.received` and `chat.sent`; a full type matches itself. */
function typeMatcher(type: string | undefined): ((candidate: string | undefined) => boolean) | undefined {
  if (type === undefined) return undefined;
  return (candidate) => candidate === type || (candidate?.startsWith(`${type}.`) ?? false);
}

function entryFields(fields: string[]): { type: string | undefined; json: string | undefined } {
  let type: string | undefined;
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 't') type = fields[i + 1];
    else if (fields[i] === 'e') json = fields[i + 1];
  }
  return { type, json };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
