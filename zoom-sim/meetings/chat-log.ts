/** One chat message as the control API shows it (`GET /_sim/meetings/:number/chat`). */
export interface ChatEntry {
  /** The SDK message id the recipients saw. */
  id: string;
  at: string;
  /** Sender's participant id (the SDK's `userId`). */
  from: number;
  fromName: string;
  /** `'everyone'`, or the participant id of a private message's recipient. */
  to: 'everyone' | number;
  text: string;
}

/**
 * Every message of one meeting, bots' included, oldest first. Capped so a test that floods a meeting
 * (10 000 messages a minute) cannot grow the sim without bound; the oldest go first.
 */
export const CHAT_LOG_MAX = 50_000;

export class ChatLog {
  private readonly entries: ChatEntry[] = [];
  /** Messages pushed out by the cap. */
  private evicted = 0;

  add(entry: ChatEntry): void {
    this.entries.push(entry);
    if (this.entries.length > CHAT_LOG_MAX) {
      // Batch the shift: one splice per thousand messages, not one per message.
      const excess = this.entries.length - CHAT_LOG_MAX + 1000;
      this.entries.splice(0, excess);
      this.evicted += excess;
    }
  }

  view(): { items: ChatEntry[]; evicted: number } {
    return { items: this.entries.map((e) => ({ ...e })), evicted: this.evicted };
  }
}
