import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, type FormData, request } from 'undici';
import type { Logger } from '../log/logger.js';
import { ZoomUnavailableError } from './zoom-errors.js';

/** One HTTP exchange with Zoom, after the bounded retries. The body is read whole (Zoom's are small). */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, or `undefined` for an empty body; `text` keeps what did not parse. */
  json: unknown;
  text: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: string | FormData;
  /** For logs and errors: never the URL, whose query may hold an account id or secrets. */
  operation: string;
}

export interface ZoomHttpOptions {
  /** Whole request (connect, headers, body); Zoom answers in well under a second. */
  timeoutMs?: number;
  /** Extra attempts on network errors, timeouts and 5xx. */
  retries?: number;
  /** First backoff; doubled each retry, full jitter. */
  backoffMs?: number;
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Told of every exchange, retries included (metrics): the HTTP status, or `error` for none. */
  onCall?: (operation: string, status: number | 'error') => void;
}

const DEFAULTS = { timeoutMs: 10_000, retries: 2, backoffMs: 250 } as const;

/**
 * Sends requests with a timeout and bounded, jittered retries on network errors and 5xx. Returns
 * every other answer (2xx, 4xx) to the caller, which maps Zoom's error bodies; throws
 * `ZoomUnavailableError` when retries run out. Logs the operation and status only: no URL, header or
 * body, since those carry the access token, Basic credentials, ZAKs and OBF tokens.
 */
export class ZoomHttp {
  private readonly options: Required<Omit<ZoomHttpOptions, 'dispatcher' | 'logger' | 'onCall'>>;

  constructor(private readonly deps: ZoomHttpOptions = {}) {
    this.options = {
      timeoutMs: deps.timeoutMs ?? DEFAULTS.timeoutMs,
      retries: deps.retries ?? DEFAULTS.retries,
      backoffMs: deps.backoffMs ?? DEFAULTS.backoffMs,
    };
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const { retries, backoffMs } = this.options;
    let lastProblem = '';
    let lastStatus: number | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.random() * backoffMs * 2 ** (attempt - 1));
      try {
        const response = await this.once(req);
        this.deps.onCall?.(req.operation, response.status);
        if (response.status < 500) return response;
        lastStatus = response.status;
        lastProblem = `HTTP ${response.status}`;
      } catch (error) {
        this.deps.onCall?.(req.operation, 'error');
        lastStatus = undefined;
        lastProblem = describeNetworkError(error);
      }
      this.deps.logger?.warn(
        { operation: req.operation, attempt: attempt + 1, problem: lastProblem },
        'zoom request failed',
      );
    }
    throw new ZoomUnavailableError(`Zoom did not answer ${req.operation}: ${lastProblem}`, {
      operation: req.operation,
      ...(lastStatus !== undefined ? { status: lastStatus } : {}),
    });
  }

  private async once(req: HttpRequest): Promise<HttpResponse> {
    const { timeoutMs } = this.options;
    const response = await request(req.url, {
      method: req.method,
      headers: req.headers ?? {},
      body: req.body ?? null,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(this.deps.dispatcher ? { dispatcher: this.deps.dispatcher } : {}),
    });
    const text = await response.body.text();
    let json: unknown;
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: response.statusCode, headers: flattenHeaders(response.headers), json, text };
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The error's name and code only: undici's messages can quote the URL (and so its query string). */
export function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const name = error.name === 'AbortError' || error.name === 'TimeoutError' ? 'timeout' : error.name;
    return typeof code === 'string' ? `${name} ${code}` : name;
  }
  return 'network error';
}
