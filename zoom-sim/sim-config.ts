import { z } from 'zod';

/**
 * zoom-sim reads the same `ZOOM_*` variables as the runner. Its defaults live here and only here: they
 * are the sim's own test credentials, worthless against real Zoom, and never known to the runner
 * (which asks `GET /_sim/credentials` instead).
 */
export const SIM_DEFAULTS = {
  ZOOM_ACCOUNT_ID: 'sim-account',
  ZOOM_CLIENT_ID: 'sim-client-id',
  ZOOM_CLIENT_SECRET: 'sim-client-secret-not-for-production',
  ZOOM_SDK_KEY: 'sim-sdk-key',
  ZOOM_SDK_SECRET: 'sim-sdk-secret-not-for-production',
  ZOOM_BOT_USER: 'bot@zoom-sim.local',
  ZOOM_PLAN: 'pro',
  ZOOM_SIM_PORT: '9090',
  ZOOM_SIM_HOST: '127.0.0.1',
  ZOOM_SIM_ACCESS_TOKEN_TTL_SEC: '3600',
} as const;

/** Every variable the sim reads: those with defaults, and ZOOM_SIM_PUBLIC_URL (none). */
export const SIM_VARIABLES: readonly string[] = [...Object.keys(SIM_DEFAULTS), 'ZOOM_SIM_PUBLIC_URL'];

const text = z.string().min(1).max(256);

export const simConfigSchema = z.object({
  accountId: text,
  clientId: text,
  clientSecret: text,
  sdkKey: text,
  sdkSecret: text,
  /** The licensed service user the sim starts with: an email, or `email` is derived from this id. */
  botUser: text,
  plan: z.enum(['free', 'pro', 'business']),
  port: z.number().int().min(0).max(65535),
  host: text,
  /** `expires_in` of OAuth access tokens (Zoom: 3600). Short values let tests see expiry. */
  accessTokenTtlSec: z.number().positive().max(86_400),
  /**
   * `ZOOM_SIM_PUBLIC_URL`: the address others reach the sim at, used in what it hands out (`api_url`,
   * avatar URLs) when it binds to all interfaces (`http://sim:9090` in docker compose).
   */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type SimConfig = z.infer<typeof simConfigSchema>;

const ENV_FIELDS = {
  ZOOM_ACCOUNT_ID: 'accountId',
  ZOOM_CLIENT_ID: 'clientId',
  ZOOM_CLIENT_SECRET: 'clientSecret',
  ZOOM_SDK_KEY: 'sdkKey',
  ZOOM_SDK_SECRET: 'sdkSecret',
  ZOOM_BOT_USER: 'botUser',
  ZOOM_PLAN: 'plan',
  ZOOM_SIM_PORT: 'port',
  ZOOM_SIM_HOST: 'host',
  ZOOM_SIM_ACCESS_TOKEN_TTL_SEC: 'accessTokenTtlSec',
} as const satisfies Record<keyof typeof SIM_DEFAULTS, keyof SimConfig>;

const NUMERIC = new Set<keyof SimConfig>(['port', 'accessTokenTtlSec']);

export class SimConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(
    message: string,
    readonly variable: string,
  ) {
    super(message);
    this.name = 'SimConfigError';
  }
}

/** Builds the sim's config from the environment, with `overrides` (from tests or CLI flags) on top. */
export function loadSimConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<SimConfig> = {},
): SimConfig {
  const raw: Record<string, unknown> = {};
  for (const [variable, field] of Object.entries(ENV_FIELDS) as [
    keyof typeof SIM_DEFAULTS,
    keyof SimConfig,
  ][]) {
    const given = env[variable]?.trim();
    const value = given ? given : SIM_DEFAULTS[variable];
    raw[field] = NUMERIC.has(field) && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  const publicUrl = env.ZOOM_SIM_PUBLIC_URL?.trim();
  if (publicUrl) raw.publicUrl = publicUrl.replace(/\/+$/, '');
  const parsed = simConfigSchema.safeParse({ ...raw, ...overrides });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    const variable =
      field === 'publicUrl'
        ? 'ZOOM_SIM_PUBLIC_URL'
        : (Object.entries(ENV_FIELDS).find(([, f]) => f === field)?.[0] ?? field);
    throw new SimConfigError(`${variable} ${issue?.message ?? 'is invalid'}`, variable);
  }
  return Object.freeze(parsed.data);
}
