import { SignJWT } from 'jose';
import { checkedMeetingNumber } from './meeting-tokens.js';

/** Zoom accepts a signature whose `exp - iat` lies between 30 minutes and 48 hours. */
export const SIGNATURE_MIN_TTL_SEC = 1800;
export const SIGNATURE_MAX_TTL_SEC = 48 * 3600;
/** Only needed at join; two hours covers a long wait for the host before the SDK joins by itself. */
export const DEFAULT_SIGNATURE_TTL_SEC = 2 * 3600;
/** `iat` this far in the past, so a Zoom server whose clock is behind ours does not see it "from the future". */
const CLOCK_SKEW_SEC = 30;

export interface SdkCredentials {
  sdkKey: string;
  sdkSecret: string;
}

/** Meeting SDK join signatures (JWT HS256 with the SDK secret), role 0: bots never start meetings. */
export class SdkSignatures {
  constructor(
    private readonly credentials: SdkCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  async sign(meetingNumber: string, options: { ttlSec?: number } = {}): Promise<string> {
    const mn = checkedMeetingNumber(meetingNumber);
    const requested = options.ttlSec ?? DEFAULT_SIGNATURE_TTL_SEC;
    const iat = Math.floor(this.now() / 1000) - CLOCK_SKEW_SEC;
    // The window is measured from iat, which is already in the past: clamp so Zoom's check passes.
    const ttl = Math.min(SIGNATURE_MAX_TTL_SEC, Math.max(SIGNATURE_MIN_TTL_SEC, Math.round(requested)));
    const exp = iat + ttl;
    const { sdkKey, sdkSecret } = this.credentials;
    return new SignJWT({ appKey: sdkKey, sdkKey, mn, role: 0, iat, exp, tokenExp: exp })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(sdkSecret));
  }
}
