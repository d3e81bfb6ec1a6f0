import { errors, jwtVerify } from 'jose';
import { JOIN_REFUSALS, type JoinRefusal } from './join-refusal.js';

/** docs/zoom.md §3: `exp - iat` must lie between 30 minutes and 48 hours. */
const MIN_LIFETIME_SEC = 1800;
const MAX_LIFETIME_SEC = 48 * 3600;

/**
 * Checks a Meeting SDK signature: HS256 with the SDK secret, `appKey` equal to the SDK key, `mn` the
 * meeting being joined, role 0 or 1, `iat` and `exp` present with a lifetime Zoom accepts.
 * Returns the refusal, or `undefined` when the signature is good.
 */
export async function checkSignature(
  signature: string,
  meetingNumber: string,
  sdk: { sdkKey: string; sdkSecret: string },
): Promise<JoinRefusal | undefined> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(signature, new TextEncoder().encode(sdk.sdkSecret), {
      algorithms: ['HS256'],
    }));
  } catch (error) {
    // jose checks the MAC before the claims, so "expired" always means a genuine, late signature.
    return error instanceof errors.JWTExpired
      ? JOIN_REFUSALS.signatureExpired
      : JOIN_REFUSALS.invalidSignature;
  }
  const { appKey, mn, role, iat, exp } = payload;
  // Real signatures carry `mn` as a number or a string, depending on the generator.
  const mnText = typeof mn === 'number' || typeof mn === 'string' ? String(mn) : undefined;
  if (appKey !== sdk.sdkKey || mnText !== meetingNumber) return JOIN_REFUSALS.invalidSignature;
  if (role !== 0 && role !== 1) return JOIN_REFUSALS.invalidSignature;
  if (typeof iat !== 'number' || typeof exp !== 'number') return JOIN_REFUSALS.invalidSignature;
  const lifetime = exp - iat;
  if (lifetime < MIN_LIFETIME_SEC || lifetime > MAX_LIFETIME_SEC) return JOIN_REFUSALS.invalidSignature;
  return undefined;
}
