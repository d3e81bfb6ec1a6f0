import { SignJWT } from 'jose';

export interface SdkSignatureInput {
  sdkKey: string;
  sdkSecret: string;
  meetingNumber: string;
  /** 0 joins as attendee (bots); 1 would make a passed ZAK start the meeting as host. */
  role?: 0 | 1;
  /** Seconds since the epoch; defaults to 30 s ago, for clock skew. */
  iat?: number;
  /** Lifetime in seconds; Zoom accepts 1800 s to 48 h. */
  lifetimeSec?: number;
}

/**
 * A Meeting SDK signature as docs/zoom.md §3 describes it. For tests and tools that join the sim
 * directly; the runner signs with its own code.
 */
export function makeSdkSignature(input: SdkSignatureInput): Promise<string> {
  const iat = input.iat ?? Math.floor(Date.now() / 1000) - 30;
  const exp = iat + (input.lifetimeSec ?? 7200);
  return new SignJWT({
    appKey: input.sdkKey,
    sdkKey: input.sdkKey,
    mn: input.meetingNumber,
    role: input.role ?? 0,
    iat,
    exp,
    tokenExp: exp,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(input.sdkSecret));
}
