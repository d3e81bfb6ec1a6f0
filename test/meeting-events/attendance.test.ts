import { describe, expect, it } from 'vitest';
import {
  Attendance,
  type ParticipantEvent,
  type ParticipantEventType,
  participantItem,
} from '../../runner/meeting-events/attendance.js';

/** The attendance table's rules (docs/contract.md §11), with the times given by hand. */
const T0 = Date.parse('2024-05-20T10:00:00.000Z');
const at = (sec: number) => T0 + sec * 1000;

function seen(
  type: ParticipantEventType,
  participantId: number,
  sec: number,
  more: Partial<ParticipantEvent['data']> = {},
): ParticipantEvent {
  return {
    type,
    data: { participantId, name: `P${participantId}`, role: 'attendee', ours: false, ...more },
    at: at(sec),
  };
}

/** Applies events of one page; answers what would be recorded, as `[type, id]`. */
function feed(table: Attendance, page: number, events: ParticipantEvent[]): Array<[string, number]> {
  return events.flatMap((event) => {
    const out = table.apply(page, event).event;
    return out ? [[out.type, out.data.participantId] as [string, number]] : [];
  });
}

describe('Attendance', () => {
  it('passes news through and drops what repeats the table', () => {
    const table = new Attendance();
    expect(
      feed(table, 1, [
        seen('participant.joined', 1, 0),
        seen('participant.joined', 1, 1),
        seen('participant.updated', 1, 2),
        seen('participant.updated', 1, 3, { name: 'Renamed' }),
        seen('participant.updated', 1, 4, { name: 'Renamed', role: 'host' }),
        seen('participant.left', 1, 5),
        seen('participant.left', 1, 6),
        seen('participant.joined', 1, 7),
      ]),
    ).toEqual([
      ['participant.joined', 1],
      ['participant.updated', 1],
      ['participant.updated', 1],
      ['participant.left', 1],
      ['participant.joined', 1],
    ]);
    expect(table.takeDirty()).toHaveLength(1);
    expect(table.takeDirty()).toHaveLength(0);
  });

  it('after a rejoin, compares the new roster with the table instead of joining everyone again', () => {
    const table = new Attendance();
    feed(table, 1, [
      seen('participant.joined', 1, 0),
      seen('participant.joined', 2, 0),
      seen('participant.joined', 10, 0, { name: 'Bot', ours: true }),
      seen('participant.joined', 3, 1),
    ]);
    table.pageClosed(1, at(10));
    const first = table.apply(2, seen('participant.joined', 1, 12));
    expect(first).toEqual({ event: undefined, resyncStarted: true });
    expect(table.resyncing).toBe(true);
    expect(
      feed(table, 2, [
        seen('participant.joined', 2, 12, { role: 'cohost' }),
        seen('participant.joined', 11, 12, { name: 'Bot', ours: true }),
        seen('participant.joined', 4, 12),
      ]),
    ).toEqual([
      ['participant.updated', 2],
      ['participant.joined', 11],
      ['participant.joined', 4],
    ]);
    // 3 left while the bot was away; 10 was the bot's own earlier session.
    expect(table.finishResync(at(15)).map((e) => [e.type, e.data.participantId, e.at])).toEqual([
      ['participant.left', 10, at(15)],
      ['participant.left', 3, at(15)],
    ]);
    expect(table.resyncing).toBe(false);
    expect(table.finishResync(at(16))).toEqual([]);
  });

  it('counts the time the bot saw someone present, not the bot’s own gap', () => {
    const table = new Attendance();
    feed(table, 1, [seen('participant.joined', 1, 0)]);
    table.pageClosed(1, at(10));
    feed(table, 2, [seen('participant.joined', 1, 20)]);
    table.finishResync(at(23));
    const [row] = table.takeDirty();
    if (!row) throw new Error('no row');
    expect(participantItem(row, at(25))).toEqual({
      participantId: 1,
      name: 'P1',
      role: 'attendee',
      ours: false,
      present: true,
      firstSeenAt: new Date(at(0)).toISOString(),
      lastSeenAt: new Date(at(25)).toISOString(),
      presentSec: 15,
    });
    table.apply(2, seen('participant.left', 1, 30));
    expect(participantItem(row, at(100))).toMatchObject({ present: false, presentSec: 20 });
  });

  it('closes stretches a dead worker left open, and resyncs the next page against loaded rows', () => {
    const before = new Attendance();
    feed(before, 1, [seen('participant.joined', 1, 0), seen('participant.joined', 2, 0)]);
    const stored = JSON.parse(JSON.stringify(before.takeDirty()));
    const table = new Attendance(stored);
    table.closeStretches(at(30));
    expect(feed(table, 1, [seen('participant.joined', 1, 40)])).toEqual([]);
    expect(table.finishResync(at(43)).map((e) => e.data.participantId)).toEqual([2]);
  });

  it('keeps at most `max` rows; events about others still pass through', () => {
    const table = new Attendance([], 2);
    expect(
      feed(table, 1, [
        seen('participant.joined', 1, 0),
        seen('participant.joined', 2, 0),
        seen('participant.joined', 3, 0),
        seen('participant.left', 3, 1),
      ]),
    ).toEqual([
      ['participant.joined', 1],
      ['participant.joined', 2],
      ['participant.joined', 3],
      ['participant.left', 3],
    ]);
    expect(table.takeDirty().map((row) => row.participantId)).toEqual([1, 2]);
  });
});
