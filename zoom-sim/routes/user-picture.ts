import type { Hono } from 'hono';
import type { SimContext } from '../sim-context.js';
import type { UserPicture } from '../store/users.js';
import { zoomErrors } from '../zoom-error.js';
import { limitBody } from './json-body.js';
import { rateLimited } from './rate-limited.js';
import { findUser } from './user-lookup.js';

/** Zoom's limit for a profile picture. */
export const PICTURE_MAX_BYTES = 2 * 1024 * 1024;
// The multipart envelope (boundaries, part headers) adds a few hundred bytes; anything well past the
// picture limit is refused before it is read.
const REQUEST_MAX_BYTES = PICTURE_MAX_BYTES + 64 * 1024;

/** The type is read from the bytes, not from the part's declared content type. */
function sniffImage(bytes: Buffer): UserPicture['contentType'] | undefined {
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/** `POST /v2/users/:userId/picture` (multipart, field `pic_file`): category Medium; 201, no body. */
export function registerUserPictureRoute(app: Hono, context: SimContext): void {
  app.post(
    '/v2/users/:userId/picture',
    rateLimited(context, 'medium'),
    limitBody(REQUEST_MAX_BYTES),
    async (c) => {
      const user = findUser(context, c.req.param('userId'));
      if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
        throw zoomErrors.validation('pic_file', 'Send the picture as multipart/form-data.');
      }
      let file: unknown;
      try {
        file = (await c.req.parseBody()).pic_file;
      } catch {
        throw zoomErrors.validation('pic_file', 'The multipart body could not be read.');
      }
      if (!(file instanceof File))
        throw zoomErrors.validation('pic_file', 'A file field pic_file is required.');
      if (file.size > PICTURE_MAX_BYTES) {
        throw zoomErrors.validation('pic_file', 'The picture must be at most 2 MB.');
      }
      const bytes = Buffer.from(await file.arrayBuffer());
      const contentType = sniffImage(bytes);
      if (!contentType) throw zoomErrors.validation('pic_file', 'The picture must be a JPEG or PNG image.');
      context.users.setPicture(user.id, contentType, bytes);
      return c.body(null, 201);
    },
  );
}
