import type { ExecutedFailure } from '@zoom/meetingsdk/embedded';

/** What the real SDK's `join()` rejects with (docs/zoom.md §4): a plain object, not an `Error`. */
export interface JoinFailure {
  type: 'JOIN_MEETING_FAILED' | 'INVALID_OPERATION';
  reason: string;
  errorCode: number;
}

export const duplicatedJoin = (): JoinFailure => ({
  type: 'INVALID_OPERATION',
  reason: 'Duplicated join operation',
  errorCode: 5012,
});

export const joinFailed = (errorCode: number, reason: string): JoinFailure => ({
  type: 'JOIN_MEETING_FAILED',
  reason,
  errorCode,
});

export const CONNECTION_ERROR = { errorCode: -3000, reason: 'connection error' } as const;

/** `sendChat` outside a meeting: the SDK's `ExecutedFailure`. */
export const notInMeeting = (): ExecutedFailure => ({
  type: 'INVALID_OPERATION',
  reason: 'Not in the meeting.',
});

export const invalidChat = (reason: string): ExecutedFailure => ({ type: 'INVALID_PARAMETERS', reason });
