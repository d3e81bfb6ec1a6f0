import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody } from '../../shared/error-body.js';
import type { Logger } from '../log/logger.js';
import { isBotServiceError } from '../queue/bot-errors.js';

/** An HTTP-level refusal of the API itself (auth, size, malformed body, unknown route). */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413 | 429,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const apiErrors = {
  badJson: () => new ApiError(400, 'bad_json', 'The request body is not valid JSON'),
  tooLarge: (maxBytes: number) =>
    new ApiError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes`),
  notFound: (path: string) => new ApiError(404, 'not_found', `No route ${path}`),
  unauthorized: (message: string) => new ApiError(401, 'unauthorized', message),
};

function body(code: string, message: string, field?: string): ErrorBody {
  return { error: { code, message, ...(field !== undefined ? { field } : {}) } };
}

/**
 * The one place an error becomes a response (docs/contract.md §6 error body). Known errors keep their status,
 * code and field; anything else is a 500 that says nothing about why, and is logged here once.
 */
export function errorResponse(error: unknown, c: Context, logger: Logger): Response {
  if (isBotServiceError(error)) {
    if (error.retryAfterSec !== undefined) c.header('Retry-After', String(error.retryAfterSec));
    return c.json(error.toBody(), error.status);
  }
  if (error instanceof ApiError) {
    if (error.status === 401) c.header('WWW-Authenticate', 'Bearer');
    return c.json(body(error.code, error.message, error.field), error.status as ContentfulStatusCode);
  }
  logger.error(
    { err: error instanceof Error ? error.message : String(error), method: c.req.method, path: c.req.path },
    'api request failed',
  );
  return c.json(body('internal_error', 'Internal server error'), 500);
}
