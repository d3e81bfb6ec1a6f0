import type { BotRequest } from '../../shared/bot-request.js';
import type { BotState } from '../../shared/bot-states.js';
import type { EndReason } from '../../shared/end-reasons.js';
import type { Logger } from '../log/logger.js';
import type { BotRecorder, Clock, CredentialSource, OurBots, PageSource } from './ports.js';
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
}

export interface BotSupervisorOptions {
  botId: string;
  request: BotRequest;
  ports: SupervisorPorts;
  settings: SupervisorSettings;
  logger: Logger;
  /** Default `{kind: 'fresh'}`. */
  start?: StartSituation;
}
