import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { resolveMode } from '../config/mode.js';
import { createLogger } from '../log/logger.js';
import { configuredRedisAddress, newRedis, redactRedisAddress } from '../redis/redis-address.js';
import { checkedMeetingNumber } from '../zoom/meeting-tokens.js';
import { createZoomClients, resolveZoomCredentials } from '../zoom/zoom-credentials.js';
import { isZoomError } from '../zoom/zoom-errors.js';
import { CliUsageError, type Env } from './command.js';

const HELP = `Usage: zoom-bot-runner doctor [--user USER]

Checks the configured Zoom credentials end to end: reaches Redis, fetches an OAuth access token,
mints a ZAK for the service user (ZOOM_BOT_USER, or --user) and signs a Meeting SDK signature.
Says in plain words what is wrong; exits non-zero on any failure. Prints no secret.

Options:
  --user USER   Zoom user (id or email) to mint the ZAK for, instead of ZOOM_BOT_USER
  -h, --help    this text
`;

type Out = (line: string) => void;

/** What to do about each error code, in an operator's words. */
function advice(code: string, botUser: string | undefined): string {
  switch (code) {
    case 'zoom_auth_invalid_credentials':
      return 'Zoom refused the app credentials: check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (a Server-to-Server OAuth app, activated).';
    case 'zoom_user_not_found':
      return `Zoom has no user '${botUser ?? ''}' in this account: check ZOOM_BOT_USER (an id or email of a user in the app's account).`;
    case 'zoom_scope_missing':
      return "The app lacks a scope: add 'user:read:zak:admin' (granular; 'user:read:token:admin' for OBF) or the classic 'user:read:admin' to the Server-to-Server app.";
    case 'invalid_zoom_user':
      return "ZOOM_BOT_USER must be a user id or email ('me' does not work for Server-to-Server apps).";
    case 'zoom_unavailable':
      return 'Zoom did not answer (network error, timeout or 5xx): check ZOOM_API_BASE / ZOOM_OAUTH_BASE / ZOOM_SIM_URL and the network.';
    case 'zoom_daily_limit':
      return "The account's daily Zoom API limit is spent; it resets at midnight UTC.";
    case 'zoom_rate_limited':
      return 'Zoom kept answering 429 (rate limited): another deployment may share this account.';
    default:
      return '';
  }
}

function describe(error: unknown, botUser: string | undefined): string {
  if (isZoomError(error)) {
    const zoom = error.zoomMessage !== undefined ? ` Zoom said: ${error.zoomMessage}` : '';
    const hint = advice(error.code, botUser);
    return `${hint || error.message}${zoom} [${error.code}]`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** `redis://user:pass@host` without the password. */

export async function runDoctorCommand(
  args: string[],
  env: Env,
  out: Out = (l) => process.stdout.write(`${l}\n`),
) {
  let values: { user?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { user: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  const config = loadConfig(env);
  const mode = resolveMode(config);
  if (mode.kind === 'embedded') {
    out('✘ No Zoom is configured: set ZOOM_SIM_URL (a zoom-sim) or all of ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID,');
    out('  ZOOM_CLIENT_SECRET, ZOOM_SDK_KEY, ZOOM_SDK_SECRET. (Only `start` runs an embedded zoom-sim.)');
    return 1;
  }
  out(mode.kind === 'sim' ? `Mode: zoom-sim at ${mode.simUrl}` : `Mode: Zoom (${config.ZOOM_API_BASE})`);

  const redisAddress = configuredRedisAddress(config);
  const redis = newRedis(redisAddress, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
  });
  redis.on('error', () => {});
  try {
    try {
      await redis.connect();
      out(`✔ Redis reachable at ${redactRedisAddress(redisAddress)}`);
    } catch {
      out(
        `✘ Cannot reach Redis at ${redactRedisAddress(redisAddress)}: check REDIS_URL (and REDIS_SENTINELS).`,
      );
      return 1;
    }
    let credentials: Awaited<ReturnType<typeof resolveZoomCredentials>>;
    try {
      credentials = await resolveZoomCredentials(config, mode);
    } catch (error) {
      out(`✘ Cannot read the zoom-sim's credentials: ${describe(error, undefined)}`);
      return 1;
    }
    const botUser = values.user ?? credentials.botUser;
    // Silent: the doctor reports its findings itself, in plain words, instead of JSON log lines.
    const logger = createLogger({ level: 'silent' });
    const zoom = createZoomClients({ config, credentials, redis, logger, http: { retries: 1 } });
    try {
      await zoom.accessTokens.get();
      out('✔ OAuth: Zoom issued an access token for the app');
    } catch (error) {
      out(`✘ OAuth: ${describe(error, botUser)}`);
      return 1;
    }
    let failed = false;
    if (botUser === undefined) {
      out('✘ ZAK: ZOOM_BOT_USER is not set: bots with auth type zak need a service user (id or email).');
      failed = true;
    } else {
      try {
        await zoom.meetingTokens.mintZak(botUser, { ttlSec: 60 });
        out(`✔ ZAK: minted one for ${botUser}`);
      } catch (error) {
        out(`✘ ZAK for ${botUser}: ${describe(error, botUser)}`);
        failed = true;
      }
    }
    await zoom.signatures.sign(checkedMeetingNumber('1234567890'));
    out('✔ SDK signature: signed (Zoom checks it only at join)');
    out(failed ? 'Some checks failed.' : 'All checks passed.');
    return failed ? 1 : 0;
  } finally {
    redis.disconnect();
  }
}
