import { receiverOrigin } from '../webhooks/receiver-origin.js';
import { type JobCrypto, type ResolveJobCryptoOptions, resolveJobCrypto } from './job-crypto.js';

/**
 * A bot's `webhookUrl` as it is kept in Redis outside its job: in the bot record and in each
 * bot-events stream entry and webhook lane item that names it. A receiver's URL is often its
 * credential (a token in the path or query), so it is sealed with the job-data key, as in the job
 * (the same AAD: the bot id and field). Beside it only its receiver origin is kept in clear: it groups
 * deliveries (per-origin limits and backlog) and is all that is ever logged. Nothing else derived from
 * the URL is stored (a hash of a URL with little randomness in it could be guessed back): whether the
 * bot's URL is also the recorder's WEBHOOK_URL is decided by the lane job, once it has opened it.
 */
export interface SealedWebhookUrl {
  /** `JobCrypto.seal(botId, 'webhookUrl', url)`. */
  sealed: string;
  /** `receiverOrigin(url)`. */
  origin: string;
}

export function sealWebhookUrl(crypto: JobCrypto, botId: string, url: string): SealedWebhookUrl {
  return {
    sealed: crypto.seal(botId, 'webhookUrl', url),
    origin: receiverOrigin(url),
  };
}

/** `SecretBox`'s output (`v1.<iv>.<tag>.<ciphertext>`, base64url): never a URL, which has a scheme. */
const SEALED = /^v1\.[\w-]+\.[\w-]+\.[\w-]*$/;

export function isSealedWebhookUrl(value: string): boolean {
  return SEALED.test(value);
}

/**
 * The URL to deliver to from a lane item's `url`: a sealed bot URL opened, or a clear one as is (the
 * WEBHOOK_URL lane, and entries recorded before URLs were sealed). `undefined`: sealed with another
 * key or for another bot, so nobody can deliver it.
 */
export function openWebhookUrl(crypto: JobCrypto, botId: string, value: string): string | undefined {
  if (!isSealedWebhookUrl(value)) return value;
  return crypto.open(botId, 'webhookUrl', value);
}

/**
 * `openWebhookUrl` for a process that delivers webhooks: resolves the deployment's job key on the
 * first sealed URL (a clear one needs none) and keeps it; a failed resolve is tried again next time.
 * Throws `JobKeyMismatchError` in a process without the JOB_ENCRYPTION_KEY the deployment uses.
 */
export function webhookUrlOpener(
  options: ResolveJobCryptoOptions,
): (botId: string, value: string) => Promise<string | undefined> {
  let resolving: Promise<JobCrypto> | undefined;
  return async (botId, value) => {
    if (!isSealedWebhookUrl(value)) return value;
    if (!resolving) {
      const attempt = resolveJobCrypto(options);
      resolving = attempt;
      attempt.catch(() => {
        if (resolving === attempt) resolving = undefined;
      });
    }
    return openWebhookUrl(await resolving, botId, value);
  };
}
