import { describe, expect, it } from 'vitest';
import {
  classifyJoinRefusal,
  interpretConnectionChange,
  type SignalContext,
} from '../../shared/sdk-signals.js';

const inMeeting: SignalContext = { wasConnected: true, inWaitingRoom: false };
const joining: SignalContext = { wasConnected: false, inWaitingRoom: false };

describe('SDK signal table (docs/contract.md §5)', () => {
  it('maps connection states to bot states', () => {
    expect(interpretConnectionChange({ state: 'Connected' }, joining)).toEqual({ kind: 'in_meeting' });
    expect(interpretConnectionChange({ state: 'Reconnecting', reason: 'failover' }, inMeeting).kind).toBe(
      'reconnecting',
    );
    expect(interpretConnectionChange({ state: 'Reconnecting', reason: 'on hold' }, joining).kind).toBe(
      'in_waiting_room',
    );
    for (const reason of ['promote', 'depromote', 'join breakout room']) {
      expect(interpretConnectionChange({ state: 'Reconnecting', reason }, inMeeting).kind).toBe('stay');
    }
    expect(interpretConnectionChange({ state: 'Fail', errorCode: 3008 }, joining).kind).toBe(
      'waiting_for_host',
    );
  });

  it('ends with the reason Zoom gave when closed', () => {
    const end = (reason: string, ctx = inMeeting) =>
      interpretConnectionChange({ state: 'Closed', reason }, ctx);
    expect(end('ended by host')).toEqual({ kind: 'end', reason: 'ended_by_host' });
    expect(end('free meeting ended')).toEqual({ kind: 'end', reason: 'ended_by_host' });
    expect(end('kicked by host')).toEqual({ kind: 'end', reason: 'kicked' });
    expect(end('expeled by host')).toEqual({ kind: 'end', reason: 'kicked' });
    expect(end('kicked by host', { ...joining, inWaitingRoom: true })).toEqual({
      kind: 'end',
      reason: 'removed_from_waiting_room',
    });
    expect(end('bot user kicked due to master leaving')).toEqual({ kind: 'end', reason: 'authoriser_left' });
    expect(end('duplicated session')).toEqual({ kind: 'end', reason: 'duplicate_session' });
  });

  it('treats a reasonless Closed after our own leave as that leave, and otherwise as a drop', () => {
    expect(interpretConnectionChange({ state: 'Closed' }, { ...inMeeting, leavingFor: 'alone' })).toEqual({
      kind: 'end',
      reason: 'alone',
    });
    expect(interpretConnectionChange({ state: 'Closed', reason: 'unknown reason: 7' }, inMeeting).kind).toBe(
      'drop',
    );
    expect(interpretConnectionChange({ state: 'Closed' }, inMeeting).kind).toBe('drop');
  });

  it('treats a connection error after being in the meeting as a drop', () => {
    const signal = { state: 'Fail', errorCode: -3000, reason: 'connection error' };
    expect(interpretConnectionChange(signal, inMeeting).kind).toBe('drop');
    expect(interpretConnectionChange({ ...signal, errorCode: 200 }, inMeeting).kind).toBe('drop');
  });

  it('classifies join refusals', () => {
    expect(classifyJoinRefusal(3008, undefined)).toEqual({ kind: 'wait_for_host' });
    expect(classifyJoinRefusal(3129, undefined)).toEqual({ kind: 'wait_for_host' });
    expect(classifyJoinRefusal(4017, undefined)).toEqual({ kind: 'retry_obf' });
    for (const code of [4005, -3000, 3623, 3705])
      expect(classifyJoinRefusal(code, 'x').kind).toBe('retry_fresh');
    expect(classifyJoinRefusal(200, 'connection error').kind).toBe('retry_fresh');
    for (const code of [3001, 3004, 3009, 3706, 3707, 3712, 4004, 4006, 4011, 4012, 4013, 4014, 4015]) {
      expect(classifyJoinRefusal(code, 'x')).toEqual({ kind: 'end', reason: 'join_refused' });
    }
    expect(classifyJoinRefusal(200, 'Meeting does not exist.')).toEqual({
      kind: 'retry_then_end',
      retries: 2,
    });
  });

  it('treats an unlisted signal as the "other" row', () => {
    expect(interpretConnectionChange({ state: 'Teleported' }, inMeeting).kind).toBe('drop');
    expect(interpretConnectionChange({ state: 'Teleported', errorCode: 9 }, joining).kind).toBe('refused');
  });
});
