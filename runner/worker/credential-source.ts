import type { BotRequest } from '../../shared/bot-request.js';
import type { Logger } from '../log/logger.js';
import type { CredentialSource, JoinCredentials } from '../supervisor/ports.js';
import type { ZoomClients } from '../zoom/zoom-credentials.js';
import { ServiceUserMissingError, TokenCallbackNotConfiguredError } from '../zoom/zoom-errors.js';

export interface ZoomCredentialSourceOptions {
  /** Gets one debug line per mint: the bot, the auth type and the Zoom user, never a token. */
  logger?: Logger;
}

/**
 * Mints what one join attempt needs, with the Zoom clients: a fresh signature every time and the
 * token the request's `auth` asks for. Nothing is cached: a rejoin always gets a new ZAK or OBF (Zoom
 * refuses a used OBF, and a ZAK minted for an earlier attempt may have expired: 5 min by default).
 */
export class ZoomCredentialSource implements CredentialSource {
  constructor(
    private readonly clients: ZoomClients,
    private readonly options: ZoomCredentialSourceOptions = {},
  ) {}

  async mint(botId: string, request: BotRequest): Promise<JoinCredentials> {
    const credentials = await this.mintFor(botId, request);
    this.options.logger?.debug(
      { botId, auth: request.auth.type, zoomUser: credentials.zoomUser },
      'minted join credentials',
    );
    return credentials;
  }

  private async mintFor(botId: string, request: BotRequest): Promise<JoinCredentials> {
    const { meetingNumber, auth } = request;
    const signature = await this.clients.signatures.sign(meetingNumber);
    switch (auth.type) {
      case 'none':
        return { signature };
      case 'zak': {
        // The reservation keeps one Zoom user out of one meeting twice (`'pool'` picks the least
        // loaded pool user not yet there); re-reserving on a rejoin hands the bot the user it holds.
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
        // The request names no token type; a ZAK is what a bot needs to join as a user. The
        // receiver's user is not told to us, so there is no `zoomUser` to check.
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
