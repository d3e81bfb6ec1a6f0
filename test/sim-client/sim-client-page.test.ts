import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SimClientPages } from '../../runner/sim-client/sim-client-pages.js';
import type { BotPage, BotPageEvent } from '../../runner/supervisor/ports.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * The sim-client page against a real zoom-sim: it must report what the sim page reports through
 * `zbrReport` (the sim's SDK module and web-client/src/main.ts), in the same order, so the
 * supervisor reads it through docs/contract.md §5 unchanged.
 */
const sim = useSim();
let pages: SimClientPages | undefined;

afterEach(async () => {
  await pages?.close();
  pages = undefined;
});

async function openPage(): Promise<{ page: BotPage; events: BotPageEvent[]; botId: string }> {
  pages ??= new SimClientPages(sim.sim.url);
  const page = await pages.open('bot');
  const events: BotPageEvent[] = [];
  page.onEvent((event) => events.push(event));
  return { page, events, botId: randomUUID() };
}

async function join(page: BotPage, botId: string, meetingNumber: string): Promise<void> {
  await page.join({
    meetingNumber,
    signature: await sim.sign(meetingNumber),
    userName: 'Notes',
    password: '',
    customerKey: botId,
  });
}

/**
 * Events without participant details: what the supervisor branches on (meeting-event reports, which
 * go to the bot's log, are left out).
 */
function outline(events: readonly BotPageEvent[]): string[] {
  const signals = events.filter((e) => e.type !== 'meeting-events' && e.type !== 'meeting-events-dropped');
  return signals.map((e) => {
    if (e.type === 'connection-change') {
      return `connection-change ${e.change.state}${e.change.reason ? ` '${e.change.reason}'` : ''}${e.change.errorCode !== undefined ? ` ${e.change.errorCode}` : ''}`;
    }
    if (e.type === 'join-result') return `join-result ${e.ok ? 'ok' : `refused ${e.errorCode}`}`;
    if (e.type === 'user-added' || e.type === 'user-updated' || e.type === 'user-removed') {
      return `${e.type} self.isHold=${e.self?.isHold}`;
    }
    return e.type;
  });
}

async function participant(meetingNumber: string, botId: string) {
  const view = await sim.meeting(meetingNumber);
  return view.participants.find((p) => p.customerKey === botId);
}

describe('the sim-client page', () => {
  it('joins, reports the meeting as the page does, and leaves as the SDK does', async () => {
    const meeting = await sim.createMeeting();
    const { page, events, botId } = await openPage();
    await join(page, botId, meeting.number);
    await expect.poll(() => outline(events)).toContain('connection-change Connected');
    expect(outline(events)).toEqual([
      'join-result ok',
      'connection-change Connected',
      'user-added self.isHold=false',
    ]);
    const added = events[2];
    expect(added?.type === 'user-added' && added.users.map((u) => u.customerKey)).toContain(botId);

    await page.leave(5_000);
    expect(outline(events).slice(3)).toEqual(['connection-change Closed', 'leave-result']);
    expect((await participant(meeting.number, botId))?.state).toBe('left');
    const history = (await sim.meeting(meeting.number)).history.map((h) => h.event);
    expect(history).toEqual(['joined', 'left']);
  });

  it('waits for the host, then joins when the meeting starts', async () => {
    const meeting = await sim.createMeeting({ started: false });
    const { page, events, botId } = await openPage();
    await join(page, botId, meeting.number);
    await expect
      .poll(() => outline(events))
      .toEqual(["connection-change Fail 'meeting has not started' 3008"]);
    await sim.control(meeting.number, 'start');
    await expect
      .poll(() => outline(events))
      .toEqual([
        "connection-change Fail 'meeting has not started' 3008",
        'join-result ok',
        'connection-change Connected',
        'user-added self.isHold=false',
      ]);
  });

  it('reports the waiting room (isHold first, then on hold) and the admission', async () => {
    const meeting = await sim.createMeeting({ waitingRoom: true });
    const { page, events, botId } = await openPage();
    await join(page, botId, meeting.number);
    await expect
      .poll(() => outline(events))
      .toEqual([
        'join-result ok',
        'user-updated self.isHold=true',
        "connection-change Reconnecting 'on hold'",
      ]);
    const held = await participant(meeting.number, botId);
    if (!held) throw new Error('not in the waiting room');
    await sim.participantControl(meeting.number, held.id, 'admit');
    await expect
      .poll(() => outline(events).slice(3))
      .toEqual([
        'user-updated self.isHold=false',
        'connection-change Connected',
        'user-added self.isHold=false',
      ]);
  });

  it('reports a refused join as join() rejecting, with Zoom’s code', async () => {
    const { page, events, botId } = await openPage();
    await join(page, botId, '99999999999');
    await expect.poll(() => outline(events)).toEqual(['join-result refused 3001']);
  });

  it('reports a dropped connection as the SDK’s Fail -3000, and a close leaves no copy behind', async () => {
    const meeting = await sim.createMeeting();
    const first = await openPage();
    await join(first.page, first.botId, meeting.number);
    await expect.poll(() => outline(first.events)).toContain('connection-change Connected');
    const present = await participant(meeting.number, first.botId);
    if (!present) throw new Error('not in the meeting');
    await sim.participantControl(meeting.number, present.id, 'drop');
    await expect
      .poll(() => outline(first.events).at(-1))
      .toBe("connection-change Fail 'connection error' -3000");

    const second = await openPage();
    await join(second.page, second.botId, meeting.number);
    await expect.poll(() => outline(second.events)).toContain('connection-change Connected');
    await second.page.close();
    expect(outline(second.events)).not.toContain('closed');
    expect((await participant(meeting.number, second.botId))?.state).toBe('left');
    const mine = (await sim.meeting(meeting.number)).history.filter((h) => h.participantId !== present.id);
    expect(mine.map((h) => `${h.event} ${h.reason ?? ''}`.trim())).toEqual([
      'joined',
      'dropped connection lost',
    ]);
  });
});
