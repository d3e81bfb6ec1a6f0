import type { PageParticipant } from '../../shared/bridge.js';
import type { OurBots } from './ports.js';

type UsersEvent = {
  type: 'user-added' | 'user-removed' | 'user-updated';
  users: PageParticipant[];
  self: PageParticipant | null;
};

/**
 * Who else is in the meeting, as one page reports it, for the "alone" rule (docs/contract.md §4: alone means no
 * participant other than this runner's own bots). A fresh page starts with an empty list: the SDK
 * reports everyone present with `user-added` after the join.
 */
export class Participants {
  private readonly byId = new Map<number, PageParticipant>();
  private selfId: number | undefined;

  constructor(
    private readonly botId: string,
    private readonly meetingNumber: string,
    private readonly ourBots: OurBots,
  ) {}

  apply(event: UsersEvent): void {
    if (event.self) this.selfId = event.self.userId;
    for (const user of event.users) {
      if (event.type === 'user-removed') this.byId.delete(user.userId);
      else this.byId.set(user.userId, { ...this.byId.get(user.userId), ...user });
    }
  }

  /** True when nobody but the bot itself and our other bots is in the meeting. */
  isAlone(): boolean {
    for (const user of this.byId.values()) {
      if (user.userId === this.selfId || user.customerKey === this.botId) continue;
      // Someone still in the waiting room is not in the meeting with the bot.
      if (user.isHold === true) continue;
      if (this.ourBots.isOurs(this.meetingNumber, user)) continue;
      return false;
    }
    return true;
  }
}
