import type { BotRequest } from '../../shared/bot-request.js';
import type { PageJoinParams } from '../../shared/bridge.js';
import type { JoinCredentials } from './ports.js';

/** What the page hands the SDK for one attempt. Secrets inside: never log the result. */
export function joinParams(botId: string, request: BotRequest, credentials: JoinCredentials): PageJoinParams {
  return {
    meetingNumber: request.meetingNumber,
    signature: credentials.signature,
    userName: request.displayName,
    // Zoom shows it in participant reports: how a meeting's bots are told apart (docs/contract.md §3).
    customerKey: botId,
    ...(request.passcode !== undefined ? { password: request.passcode } : {}),
    ...(credentials.zak !== undefined ? { zak: credentials.zak } : {}),
    ...(credentials.obfToken !== undefined ? { obfToken: credentials.obfToken } : {}),
    ...(request.registrantToken !== undefined ? { tk: request.registrantToken } : {}),
    ...(request.email !== undefined ? { userEmail: request.email } : {}),
  };
}
