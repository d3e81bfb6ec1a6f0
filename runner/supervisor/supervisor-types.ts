import type { BotRequest } from '../../shared/bot-request.js';
import type { BotState } from '../../shared/bot-states.js';
import type { EndReason } from '../../shared/end-reasons.js';
import type { Logger } from '../log/logger.js';
import type { BotRecorder, Clock, CredentialSource, MeetingEventSink, OurBots, PageSource } from './ports.js';
import type { SupervisorSettings } from './supervisor-settings.js';

export type BotOutcome =
  | { kind: 'ended'; reason: EndReason; code?: number; detail?: string }
  /** The bot left its meeting for another worker: requeue the job for an immediate rejoin. */
  | { kind: 'handoff' };

/** Where a job starts: new, or picked up again after a worker crash or a handoff. */
export type StartSituation =
  | { kind: 'fresh' }
  | {
      kind: 'resume';
      /** The bot view's state when the job was picked up again. */
      state: BotState;
      /** The bot had been in the meeting: its first way back counts as a rejoin. */
      wasInMeeting: boolean;
      attempts: number;
      rejoins: number;
      /** If `state` is `leaving`: the reason it was leaving for. Default `left_by_request`. */
      leavingFor?: EndReason;
    };

export interface SupervisorPorts {
  credentials: CredentialSource;
  pages: PageSource;
  recorder: BotRecorder;
  ourBots: OurBots;
  clock: Clock;
  /** The bot's meeting-event log (docs/contract.md §11); without it, meeting events are dropped. */
  meetingEvents?: MeetingEventSink | undefined;
}

export interface BotSupervisorOptions {
  botId: string;
  request: BotRequest;
  ports: SupervisorPorts;
  settings: SupervisorSettings;
  logger: Logger;
  /** Default `{kind: 'fresh'}`. */
  start?: StartSituation;
  /**
   * When the bot was first `in_meeting` (clock ms), in an earlier run of its job (another worker's, or
   * this one's before a lost lock): the max-duration clock counts from it, not from this run's first
   * `in_meeting`. A cap already spent ends the bot `max_duration` without joining.
   */
  firstInMeetingAt?: number | undefined;
}
