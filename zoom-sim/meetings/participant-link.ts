import type { ServerMessage } from '../protocol.js';

/**
 * How the meeting reaches a participant's client: the participant socket implements it; humans added
 * through the control API have none. Both calls are no-ops once the link is closed.
 */
export interface ParticipantLink {
  send(message: ServerMessage): void;
  /** Ends the session from the server's side, after the messages already sent. */
  close(): void;
}
