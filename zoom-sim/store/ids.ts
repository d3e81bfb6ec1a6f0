import { randomBytes } from 'node:crypto';

/** Zoom user ids look like `KDcuGIm1QgePTO8WbOqwIQ`: 22 URL-safe base64 characters. */
export function newZoomId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** Opaque bearer secrets: nothing about the holder can be read from them. */
export function newOpaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
