import type { FormData } from 'undici';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import type { AccessTokenProvider } from './access-token.js';
import { parseRetryAfter, type RateBudget, type RateCategory } from './rate-budget.js';
import {
  ZoomAccessTokenRejectedError,
  ZoomBadResponseError,
  ZoomDailyLimitError,
  type ZoomErrorDetails,
  ZoomRateLimitedError,
  ZoomRequestRefusedError,
  ZoomScopeMissingError,
  ZoomUserExistsError,
  ZoomUserNotFoundError,
} from './zoom-errors.js';
import type { HttpResponse, ZoomHttp } from './zoom-http.js';

export interface ZoomApiOptions {
  http: ZoomHttp;
  /** `https://api.zoom.us/v2`, or `<sim>/v2`. */
  apiBase: string;
  tokens: AccessTokenProvider;
  budget: RateBudget;
  logger?: Logger;
  /** Per-second 429s waited out before giving up with `zoom_rate_limited`. */
  maxRateLimitWaits?: number;
}

export interface ApiCall<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the API base, segments already encoded, e.g. `/users/abc/token`. */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  form?: FormData;
  category: RateCategory;
  /** Names the call in logs and errors (never the URL). */
  operation: string;
  /** Shape of a 2xx body; `z.unknown()` for 204s. */
  schema: S;
}

const zoomErrorBodySchema = z.object({ code: z.number(), message: z.string() });

/**
 * Zoom's REST API with everything a call needs around it: the fleet's rate budget, the shared access
 * token (fetched again once on 401 code 124), waiting out per-second 429s as Zoom says, and Zoom's
 * error bodies mapped to typed errors.
 */
export class ZoomApi {
  constructor(private readonly options: ZoomApiOptions) {}

  async call<S extends z.ZodType>(call: ApiCall<S>): Promise<z.output<S>> {
    const { budget, tokens, http, maxRateLimitWaits = 5 } = this.options;
    let refreshedToken = false;
    let rateWaits = 0;
    for (;;) {
      // Token first: a slot is timed from its grant, so the request must follow it at once (a token
      // fetched in between, at a cold start, made requests land in Zoom's next second).
      const token = await tokens.get();
      await budget.take(call.category);
      const response = await http.send({
        method: call.method,
        url: this.url(call),
        headers: {
          authorization: `Bearer ${token}`,
          ...(call.json !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(call.json !== undefined ? { body: JSON.stringify(call.json) } : {}),
        ...(call.form !== undefined ? { body: call.form } : {}),
        operation: call.operation,
      });
      if (response.status >= 200 && response.status < 300) return this.parse(call, response);
      const body = zoomErrorBodySchema.safeParse(response.json);
      const details: ZoomErrorDetails = {
        status: response.status,
        operation: call.operation,
        ...(body.success ? { zoomCode: body.data.code, zoomMessage: body.data.message } : {}),
      };
      if (response.status === 401 && details.zoomCode === 124 && !refreshedToken) {
        // Zoom does not tell expired from revoked: fetch a fresh token once, then believe it.
        refreshedToken = true;
        await tokens.invalidate(token);
        continue;
      }
      if (response.status === 429) {
        const answer = {
          type: response.headers['x-ratelimit-type'],
          retryAfterMs: parseRetryAfter(response.headers['retry-after']),
        };
        const { daily } = await budget.onRateLimited(call.category, answer);
        if (daily) {
          throw new ZoomDailyLimitError(
            `Zoom's daily ${call.category} API limit is reached for this account`,
            {
              ...details,
              category: call.category,
              retryAt:
                answer.retryAfterMs !== undefined ? new Date(Date.now() + answer.retryAfterMs) : undefined,
            },
          );
        }
        if (++rateWaits > maxRateLimitWaits) {
          throw new ZoomRateLimitedError(`Zoom kept refusing ${call.operation} with 429`, details);
        }
        // No sleep here: the pause just stored makes the next take() wait, in every process alike.
        continue;
      }
      throw mapZoomError(response.status, details, call.operation);
    }
  }

  private url(call: ApiCall<z.ZodType>): URL {
    const base = this.options.apiBase.replace(/\/+$/, '');
    const url = new URL(`${base}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
    return url;
  }

  private parse<S extends z.ZodType>(call: ApiCall<S>, response: HttpResponse): z.output<S> {
    const parsed = call.schema.safeParse(response.json);
    if (!parsed.success) {
      throw new ZoomBadResponseError(`Zoom answered ${call.operation} with an unexpected body`, {
        status: response.status,
        operation: call.operation,
      });
    }
    return parsed.data;
  }
}

/** One place that turns Zoom's refusals into the runner's error classes. */
export function mapZoomError(status: number, details: ZoomErrorDetails, operation: string): Error {
  const code = details.zoomCode;
  if (status === 401 && code === 124) {
    return new ZoomAccessTokenRejectedError('Zoom refused a freshly fetched access token', details);
  }
  if (code === 1001 || (status === 404 && code === undefined && operation.includes('user'))) {
    return new ZoomUserNotFoundError(`Zoom has no such user (${operation})`, details);
  }
  if (code === 1005 || status === 409) {
    return new ZoomUserExistsError('Zoom already has a user with that email', details);
  }
  if (code === 4711 || code === 4700 || status === 403) {
    return new ZoomScopeMissingError(`The Zoom app lacks a scope ${operation} needs`, details);
  }
  return new ZoomRequestRefusedError(`Zoom refused ${operation} (HTTP ${status})`, details);
}
