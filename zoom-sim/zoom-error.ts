import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Zoom's REST error body: `{code, message}`, validation adds `errors:[{field, message}]`. */
export interface ZoomErrorBody {
  code: number;
  message: string;
  errors?: { field: string; message: string }[];
}

/** Thrown by route handlers; the server's error handler turns it into Zoom's response. */
export class ZoomApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly body: ZoomErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = 'ZoomApiError';
  }
}

export const zoomErrors = {
  invalidAccessToken: () => new ZoomApiError(401, { code: 124, message: 'Invalid access token.' }),
  userNotFound: (id: string) => new ZoomApiError(404, { code: 1001, message: `User does not exist: ${id}.` }),
  meetingNotFound: (n: string) =>
    new ZoomApiError(404, { code: 3001, message: `Meeting does not exist: ${n}.` }),
  validation: (field: string, message: string) =>
    new ZoomApiError(400, { code: 300, message: 'Validation Failed.', errors: [{ field, message }] }),
  badRequest: (message: string) => new ZoomApiError(400, { code: 300, message }),
  tooLarge: (maxBytes: number) =>
    new ZoomApiError(413, { code: 413, message: `Request body is larger than ${maxBytes} bytes.` }),
  notFound: (path: string) => new ZoomApiError(404, { code: 404, message: `No such API: ${path}.` }),
};

export function sendZoomError(c: Context, error: ZoomApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(error.body, error.status);
}
