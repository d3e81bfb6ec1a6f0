import { z } from 'zod';

/** docs/contract.md §4: why a bot ended. Callers branch on these; never rename. */
export const END_REASONS = [
  'ended_by_host',
  'kicked',
  'removed_from_waiting_room',
  'authoriser_left',
  'duplicate_session',
  'left_by_request',
  'max_duration',
  'alone',
  'waiting_room_timeout',
  'host_not_started_timeout',
  'authoriser_absent_timeout',
  'join_refused',
  'auth_failed',
  'rejoin_limit',
  'invalid_request',
  'internal_error',
] as const;

export const endReasonSchema = z.enum(END_REASONS);
export type EndReason = z.infer<typeof endReasonSchema>;
