import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/config-table.js';
import type { Mode } from '../config/mode.js';
import { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import type { Logger } from '../log/logger.js';
import { AccessTokenProvider } from './access-token.js';
import { MeetingTokens } from './meeting-tokens.js';
import { PoolReservations } from './pool-reservations.js';
import { PoolUsers } from './pool-users.js';
import { RateBudget } from './rate-budget.js';
import { SdkSignatures } from './sdk-signature.js';
import { TokenCallbacks } from './token-callback.js';
import { ZoomApi } from './zoom-api.js';
import { ZoomBadResponseError, ZoomRequestRefusedError } from './zoom-errors.js';
import { ZoomHttp, type ZoomHttpOptions } from './zoom-http.js';

/** Everything needed to talk to one Zoom (real or sim). Held in memory only; never logged. */
export interface ZoomCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
  sdkKey: string;
  sdkSecret: string;
  /** `ZOOM_BOT_USER`, or the sim's service user; undefined in Zoom mode when unset. */
  botUser: string | undefined;
  /** REST base, e.g. `https://api.zoom.us/v2`. */
  apiBase: string;
  /** OAuth base, e.g. `https://zoom.us`. */
  oauthBase: string;
}

const simCredentialsSchema = z.object({
  accountId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  sdkKey: z.string().min(1),
  sdkSecret: z.string().min(1),
  serviceUser: z.object({ id: z.string(), email: z.string() }).optional(),
});

/** The five `ZOOM_*` credentials from the configuration, when all are set. */
function credentialsFromConfig(
  config: Config,
  apiBase: string,
  oauthBase: string,
): ZoomCredentials | undefined {
  const { ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_SDK_KEY, ZOOM_SDK_SECRET } = config;
  if (!ZOOM_ACCOUNT_ID || !ZOOM_CLIENT_ID || !ZOOM_CLIENT_SECRET || !ZOOM_SDK_KEY || !ZOOM_SDK_SECRET)
    return undefined;
  return {
    accountId: ZOOM_ACCOUNT_ID,
    clientId: ZOOM_CLIENT_ID,
    clientSecret: ZOOM_CLIENT_SECRET,
    sdkKey: ZOOM_SDK_KEY,
    sdkSecret: ZOOM_SDK_SECRET,
    botUser: config.ZOOM_BOT_USER,
    apiBase,
    oauthBase,
  };
}

/**
 * docs/contract.md §1. Zoom mode: the `ZOOM_*` variables and the configured bases. Sim mode: OAuth at
 * `<sim>/oauth/token` and REST at `<sim>/v2`; each credential from its `ZOOM_*` variable when set
 * (so a test can give a wrong secret), otherwise from the sim's `GET /_sim/credentials`.
 */
export async function resolveZoomCredentials(
  config: Config,
  mode: Exclude<Mode, { kind: 'embedded' }>,
  http: ZoomHttp = new ZoomHttp(),
): Promise<ZoomCredentials> {
  if (mode.kind === 'zoom') {
    const fromEnv = credentialsFromConfig(config, config.ZOOM_API_BASE, config.ZOOM_OAUTH_BASE);
    // resolveMode only answers 'zoom' when all five are set.
    if (!fromEnv) throw new Error('Zoom mode without a full set of ZOOM_* credentials');
    return fromEnv;
  }
  const simBase = mode.simUrl.replace(/\/+$/, '');
  // All given: the sim is not asked (a sim started with the same ZOOM_* variables matches them).
  const fromEnv = credentialsFromConfig(config, `${simBase}/v2`, simBase);
  if (fromEnv) return fromEnv;
  const response = await http.send({
    method: 'GET',
    url: new URL(`${simBase}/_sim/credentials`),
    operation: 'sim_credentials',
  });
  if (response.status !== 200) {
    throw new ZoomRequestRefusedError(`zoom-sim answered /_sim/credentials with HTTP ${response.status}`, {
      status: response.status,
      operation: 'sim_credentials',
    });
  }
  const parsed = simCredentialsSchema.safeParse(response.json);
  if (!parsed.success) {
    throw new ZoomBadResponseError('zoom-sim /_sim/credentials has an unexpected shape', {
      operation: 'sim_credentials',
    });
  }
  const sim = parsed.data;
  return {
    accountId: config.ZOOM_ACCOUNT_ID ?? sim.accountId,
    clientId: config.ZOOM_CLIENT_ID ?? sim.clientId,
    clientSecret: config.ZOOM_CLIENT_SECRET ?? sim.clientSecret,
    sdkKey: config.ZOOM_SDK_KEY ?? sim.sdkKey,
    sdkSecret: config.ZOOM_SDK_SECRET ?? sim.sdkSecret,
    botUser: config.ZOOM_BOT_USER ?? sim.serviceUser?.email ?? sim.serviceUser?.id,
    apiBase: `${simBase}/v2`,
    oauthBase: simBase,
  };
}

export interface ZoomClients {
  readonly credentials: Readonly<ZoomCredentials>;
  readonly accessTokens: AccessTokenProvider;
  readonly budget: RateBudget;
  readonly api: ZoomApi;
  readonly meetingTokens: MeetingTokens;
  readonly signatures: SdkSignatures;
  readonly poolUsers: PoolUsers;
  readonly reservations: PoolReservations;
  /** Present when `TOKEN_CALLBACK_SECRET` is set: callbacks are never sent unsigned. */
  readonly tokenCallbacks: TokenCallbacks | undefined;
}

export interface CreateZoomClientsOptions {
  config: Config;
  credentials: ZoomCredentials;
  redis: Redis;
  logger?: Logger;
  http?: ZoomHttpOptions;
  /** Options a test or tool overrides (short token waits, etc.). */
  accessToken?: { refreshAheadMs?: number; waitForPeerMs?: number };
}

/** Wires the clients for one process; the Redis connection is the caller's to close. */
export function createZoomClients(options: CreateZoomClientsOptions): ZoomClients {
  const { config, credentials, redis, logger } = options;
  const prefix = config.QUEUE_PREFIX;
  const http = new ZoomHttp({ ...options.http, ...(logger ? { logger } : {}) });
  const accessTokens = new AccessTokenProvider({
    http,
    oauthBase: credentials.oauthBase,
    credentials,
    redis,
    prefix,
    ...(logger ? { logger } : {}),
    ...options.accessToken,
  });
  const budget = new RateBudget({ redis, prefix, plan: config.ZOOM_PLAN, ...(logger ? { logger } : {}) });
  const api = new ZoomApi({
    http,
    apiBase: credentials.apiBase,
    tokens: accessTokens,
    budget,
    ...(logger ? { logger } : {}),
  });
  const tokenCallbacks =
    config.TOKEN_CALLBACK_SECRET !== undefined
      ? new TokenCallbacks({
          secret: config.TOKEN_CALLBACK_SECRET,
          policy: new OutboundUrlPolicy({ allowlist: config.OUTBOUND_URL_ALLOWLIST }),
          ...(logger ? { logger } : {}),
        })
      : undefined;
  return {
    credentials: Object.freeze({ ...credentials }),
    accessTokens,
    budget,
    api,
    meetingTokens: new MeetingTokens(api),
    signatures: new SdkSignatures(credentials),
    poolUsers: new PoolUsers(api),
    reservations: new PoolReservations({ redis, prefix }),
    tokenCallbacks,
  };
}
