import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { sendZoomError, ZoomApiError, zoomErrors } from '../zoom-error.js';

/** Default cap for JSON bodies: Zoom's own bodies (users, limits, meetings) are a few hundred bytes. */
export const JSON_BODY_MAX_BYTES = 64 * 1024;

/**
 * Refuses bodies over `maxBytes` with a Zoom-shaped 413 before a handler reads them (by
 * `Content-Length`, or while streaming a chunked body).
 */
export function limitBody(maxBytes: number = JSON_BODY_MAX_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      // The rest of the body is never read: closing the connection stops a keep-alive client from
      // sending its next request on a socket that still carries the refused upload.
      c.header('Connection', 'close');
      return sendZoomError(c, zoomErrors.tooLarge(maxBytes));
    },
  });
}

/** Zoom's answer to a body that is not JSON (the message Zoom itself sends). */
export function malformedJson(): ZoomApiError {
  return new ZoomApiError(400, { code: 300, message: 'Request Body should be a valid JSON object.' });
}

/** Turns zod issues into Zoom's validation body: `{code: 300, message, errors: [{field, message}]}`. */
export function validationError(error: z.ZodError): ZoomApiError {
  const errors = error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    // strictObject reports every unknown key in one issue: name each field.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'Unknown field.' }));
    }
    return [{ field: base || 'body', message: issue.message }];
  });
  return new ZoomApiError(400, { code: 300, message: 'Validation Failed.', errors });
}

/** Parses `input` with `schema`, throwing Zoom's validation error (status 400, code 300) on failure. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/**
 * Reads the request body as JSON and validates it. An empty body counts as `{}`, so routes whose
 * fields are all optional (e.g. `/drop`) accept a bare POST; bad JSON, a non-object and schema
 * failures throw `ZoomApiError` (400), which the server's error handler answers.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw malformedJson();
  }
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw malformedJson();
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformedJson();
  return parseWith(schema, value);
}
