import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';

/** `Authorization: Basic` for the sim's own S2S app (or any id/secret given). */
export function basicAuth(sim: RunningSim, clientId?: string, clientSecret?: string): string {
  const id = clientId ?? sim.context.config.clientId;
  const secret = clientSecret ?? sim.context.config.clientSecret;
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** A fresh S2S access token from the sim, as the runner gets one. */
export async function accessToken(sim: RunningSim): Promise<string> {
  const res = await fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(sim), 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=account_credentials&account_id=${encodeURIComponent(sim.context.config.accountId)}`,
  });
  if (res.status !== 200) throw new Error(`oauth/token answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A REST call under `/v2` with a bearer token. */
export function api(sim: RunningSim, token: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(`${sim.url}/v2${path}`, { ...init, headers });
}

/** A JSON request to the unauthenticated control API under `/_sim`. */
export function control(sim: RunningSim, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${sim.url}/_sim${path}`, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });
}

/** `control` for a call that must work: answers the parsed body, or throws with the status and body. */
export async function controlOk(
  sim: RunningSim,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await control(sim, method, path, body);
  const text = await res.text();
  if (res.status < 200 || res.status > 299)
    throw new Error(`${method} /_sim${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Lifts the per-second budgets (Pro: Light 30/s) for suites that fire many requests back to back. */
export async function liftRateLimits(sim: RunningSim): Promise<void> {
  const big = { perSecond: 100_000, perDay: null };
  const res = await control(sim, 'PUT', '/limits', { light: big, medium: big, heavy: big });
  if (res.status !== 200) throw new Error(`PUT /_sim/limits answered ${res.status}: ${await res.text()}`);
}

/** A sim for REST tests: rate limits lifted, and an access token to call `/v2` with. */
export async function startRestSim(): Promise<{ sim: RunningSim; bearer: string }> {
  const sim = await startTestSim();
  await liftRateLimits(sim);
  return { sim, bearer: await accessToken(sim) };
}
