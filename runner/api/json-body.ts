import { isUtf8 } from 'node:buffer';
import type { Context } from 'hono';
import { BotRequestError } from '../queue/bot-errors.js';
import { apiErrors } from './api-errors.js';

const REPLACEMENT = '\uFFFD';

/** Dotted path of the first string (or key) holding U+FFFD: where a decoder replaced bad bytes. */
function fieldWithReplacement(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return value.includes(REPLACEMENT) ? path.join('.') : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes(REPLACEMENT)) return [...path, key].join('.');
    const found = fieldWithReplacement(inner, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The request body as JSON (size is bounded by the body-limit middleware in front of /v1). JSON must
 * be UTF-8: bytes that are not would otherwise turn into U+FFFD and reach Zoom as a mangled name, so
 * they are refused (422, naming the field they are in) rather than replaced.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw apiErrors.badJson();
  }
  if (!isUtf8(bytes)) {
    throw new BotRequestError(fieldWithReplacement(value) ?? '', 'must be valid UTF-8');
  }
  return value;
}
