import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import { postSigned, ResponseTooLargeError } from '../http/signed-request.js';
import type { Logger } from '../log/logger.js';
import { checkedMeetingNumber } from './meeting-tokens.js';
import { TokenCallbackFailedError } from './zoom-errors.js';
import { describeNetworkError } from './zoom-http.js';

export type CallbackTokenType = 'zak' | 'obf';

export interface TokenCallbackOptions {
  /** `TOKEN_CALLBACK_SECRET`. */
  secret: string;
  policy: OutboundUrlPolicy;
  /** The receiver mints from Zoom itself; a few seconds is plenty. */
  timeoutMs?: number;
  /** Used where the policy pinned no addresses (an allowlisted origin, a literal address). */
  dispatcher?: Dispatcher;
  logger?: Logger;
  now?: () => number;
}

export type CallbackToken = { type: 'zak'; zak: string } | { type: 'obf'; obfToken: string };

const zakAnswer = z.object({ zak: z.string().min(1).max(4096) });
const obfAnswer = z.object({ obfToken: z.string().min(1).max(4096) });

/**
 * docs/contract.md §7 token callbacks, for deployments where another system owns the Zoom users: a signed
 * POST `{botId, meetingNumber, type, audience}` answered with `{zak}` or `{obfToken}`. One call per join
 * attempt, like a mint. Failures say what went wrong, never the URL's path or query (it may carry a
 * receiver's secret) nor the body.
 */
export class TokenCallbacks {
  constructor(private readonly options: TokenCallbackOptions) {}

  async fetch(
    url: string,
    request: { botId: string; meetingNumber: string; type: CallbackTokenType },
  ): Promise<CallbackToken> {
    const target = await this.options.policy.check(url);
    const at = target.url.origin;
    const body = {
      botId: request.botId,
      meetingNumber: checkedMeetingNumber(request.meetingNumber),
      type: request.type,
      // Whom the signed request is for: a receiver refuses another origin's, so a request captured
      // by one receiver is useless at another.
      audience: at,
    };
    const timeoutMs = this.options.timeoutMs ?? 5000;
    let response: { status: number; text: string };
    try {
      response = await postSigned({
        url: target.url.href,
        body,
        secret: this.options.secret,
        timeoutMs,
        connectTo: target.connectTo,
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
        ...(this.options.now ? { now: this.options.now } : {}),
      });
    } catch (error) {
      if (error instanceof ResponseTooLargeError) {
        throw new TokenCallbackFailedError(
          `Token callback at ${at} answered with a body too large`,
          'bad_body',
        );
      }
      const problem = describeNetworkError(error);
      const timedOut = problem.startsWith('timeout') || problem.includes('Timeout');
      throw new TokenCallbackFailedError(
        timedOut
          ? `Token callback at ${at} did not answer within ${timeoutMs} ms`
          : `Token callback at ${at} failed: ${problem}`,
        timedOut ? 'timeout' : 'network',
        { operation: 'token_callback' },
      );
    }
    const details = { status: response.status, operation: 'token_callback' };
    if (response.status < 200 || response.status >= 300) {
      throw new TokenCallbackFailedError(
        `Token callback at ${at} answered HTTP ${response.status}`,
        response.status >= 500 ? 'server_error' : 'status',
        details,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      json = undefined;
    }
    if (request.type === 'zak') {
      const parsed = zakAnswer.safeParse(json);
      if (parsed.success) return { type: 'zak', zak: parsed.data.zak };
    } else {
      const parsed = obfAnswer.safeParse(json);
      if (parsed.success) return { type: 'obf', obfToken: parsed.data.obfToken };
    }
    this.options.logger?.warn({ status: response.status, type: request.type }, 'token callback: bad body');
    throw new TokenCallbackFailedError(
      `Token callback at ${at} answered without ${request.type === 'zak' ? '{zak}' : '{obfToken}'}`,
      'bad_body',
      details,
    );
  }
}
