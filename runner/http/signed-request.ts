import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Dispatcher, request } from 'undici';
import type { ResolvedAddress } from './outbound-url-policy.js';
import { pinnedAgent } from './pinned-agent.js';

/** docs/contract.md §7: `X-ZBR-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export const SIGNATURE_HEADER = 'x-zbr-signature';

export function signatureHeader(secret: string, rawBody: string, unixSec: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSec}.${rawBody}`).digest('hex');
  return `t=${unixSec},v1=${mac}`;
}

/**
 * Receiver side (tests, and operators' reference): the header must carry a `v1` MAC of this body and
 * a `t` within `toleranceSec` of now, so a captured request cannot be replayed later.
 */
export function verifySignatureHeader(
  secret: string,
  header: string | undefined,
  rawBody: string,
  options: { toleranceSec?: number; nowSec?: number } = {},
): boolean {
  if (!header) return false;
  const parts = new Map<string, string[]>();
  for (const piece of header.split(',')) {
    const [key, value] = piece.trim().split('=', 2);
    if (key && value) parts.set(key, [...(parts.get(key) ?? []), value]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t)) return false;
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signatureHeader(secret, rawBody, t).split('v1=')[1] ?? '', 'hex');
  return (parts.get('v1') ?? []).some((given) => {
    const bytes = Buffer.from(given, 'hex');
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  });
}

export interface SignedPost {
  url: string;
  body: unknown;
  secret: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  /**
   * The addresses the outbound URL policy checked for the URL's host name (`OutboundTarget.connectTo`):
   * the request connects to these only, through its own agent. Takes precedence over `dispatcher`.
   */
  connectTo?: readonly ResolvedAddress[] | undefined;
  dispatcher?: Dispatcher;
  now?: () => number;
}

/** A token answer is tiny and a webhook answer is ignored: more is a broken or hostile receiver. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SignedResponse {
  status: number;
  text: string;
}

/**
 * POSTs JSON signed as docs/contract.md §7 says. Throws undici's errors (timeout, network) for the caller to
 * classify; the caller checks the URL against the outbound policy first and passes the checked
 * addresses as `connectTo`. Redirects are not followed (undici's `request` follows none without a
 * redirect interceptor): a 3xx could point past the allowlist, so it is returned as it is. At most
 * `MAX_RESPONSE_BYTES` of the answer are read; a longer one is cut there (`ResponseTooLargeError`).
 */
export async function postSigned(req: SignedPost): Promise<SignedResponse> {
  const raw = JSON.stringify(req.body);
  const t = Math.floor((req.now ?? Date.now)() / 1000);
  const pinned = req.connectTo ? pinnedAgent(req.connectTo) : undefined;
  const dispatcher = pinned ?? req.dispatcher;
  try {
    const response = await request(req.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'zoom-bot-runner',
        ...req.headers,
        [SIGNATURE_HEADER]: signatureHeader(req.secret, raw, t),
      },
      body: raw,
      signal: AbortSignal.timeout(req.timeoutMs),
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await readCapped(response, MAX_RESPONSE_BYTES);
    return { status: response.statusCode, text };
  } finally {
    await pinned?.destroy().catch(() => {});
  }
}

async function readCapped(response: Dispatcher.ResponseData, max: number): Promise<string> {
  const { body, statusCode } = response;
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    body.destroy();
    throw new ResponseTooLargeError(max, statusCode);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > max) {
      body.destroy();
      throw new ResponseTooLargeError(max, statusCode);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class ResponseTooLargeError extends Error {
  readonly code = 'response_too_large';
  constructor(
    readonly maxBytes: number,
    /** The status the receiver answered with, before its body ran over. */
    readonly status: number,
  ) {
    super(`Response body larger than ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}
