import type { MeetingEventType } from '../../shared/meeting-events.js';

/** Why events never reached a bot's log: dropped by its page (the kinds of the bridge), or by the runner. */
export type MeetingEventDropKind =
  | 'participant'
  | 'speaker'
  | 'chat'
  | 'caption'
  | 'recording'
  | 'malformed'
  /** The log's writer was this far behind (Redis slow or away): the newest were dropped. */
  | 'backlog';

/** What became of a chat message: accepted or refused by the API, then sent or not by the worker. */
export type ChatOutcome = 'accepted' | 'not_in_meeting' | 'rate_limited' | 'sent' | 'failed';

/** Narrow port onto prom-client (`RunnerMetrics`): meeting events, their SSE clients, chat sends. */
export interface MeetingEventMetrics {
  meetingEvents: { inc(labels: { type: MeetingEventType }, value?: number): void };
  meetingEventsDropped: { inc(labels: { kind: MeetingEventDropKind }, value?: number): void };
  meetingEventStreams: { inc(): void; dec(): void };
  chatSends: { inc(labels: { outcome: ChatOutcome }): void };
}
