import type { BotRequest } from '../../shared/bot-request.js';
import type { CredentialSource, JoinCredentials } from '../supervisor/ports.js';
import type { ZoomClients } from '../zoom/zoom-credentials.js';
import { ServiceUserMissingError, TokenCallbackNotConfiguredError } from '../zoom/zoom-errors.js';

/**
 * Mints what one join attempt needs, with the Zoom clients: a fresh signature every time and the
 * token the request's `auth` asks for. Nothing is cached: a rejoin always gets a new ZAK or OBF.
 */
export class ZoomCredentialSource implements CredentialSource {
  constructor(private readonly clients: ZoomClients) {}

  async mint(botId: string, request: BotRequest): Promise<JoinCredentials> {
    const { meetingNumber, auth } = request;
    const signature = await this.clients.signatures.sign(meetingNumber);
    switch (auth.type) {
      case 'none':
        return { signature };
      case 'zak': {
        // The reservation keeps one Zoom user out of one meeting twice; re-reserving on a rejoin
        // hands the bot the user it already holds.
        const wanted = auth.user ?? this.serviceUser();
        const zoomUser = await this.clients.reservations.reserve(meetingNumber, botId, wanted);
        return { signature, zak: await this.clients.meetingTokens.mintZak(zoomUser), zoomUser };
      }
      case 'obf':
        return {
          signature,
          obfToken: await this.clients.meetingTokens.mintObf(auth.user, meetingNumber),
          zoomUser: auth.user,
        };
      case 'callback': {
        const callbacks = this.clients.tokenCallbacks;
        if (!callbacks) {
          throw new TokenCallbackNotConfiguredError(
            'auth type callback needs TOKEN_CALLBACK_SECRET to sign requests',
          );
        }
        const answer = await callbacks.fetch(auth.url, { botId, meetingNumber, type: 'zak' });
        return answer.type === 'zak'
          ? { signature, zak: answer.zak }
          : { signature, obfToken: answer.obfToken };
      }
    }
  }

  /** Frees the Zoom user a bot held in its meeting (called when the bot ends). */
  async release(botId: string, request: BotRequest): Promise<void> {
    if (request.auth.type === 'zak') await this.clients.reservations.release(request.meetingNumber, botId);
  }

  private serviceUser(): string {
    const user = this.clients.credentials.botUser;
    if (!user)
      throw new ServiceUserMissingError('ZOOM_BOT_USER is not set: no service user to mint a ZAK for');
    return user;
  }
}
