import { parseArgs } from 'node:util';
import { tenantNameSchema } from '../../shared/tenant.js';
import { loadConfig } from '../config/load-config.js';
import { configuredRedisAddress } from '../redis/redis-address.js';
import { connectRedis } from '../redis/redis-connection.js';
import { ApiKeyStore } from '../tenants/api-key-store.js';
import { zoomUserPatternSchema } from '../tenants/zoom-user-allowlist.js';
import { CliUsageError, type Env } from './command.js';

const HELP = `Usage: zoom-bot-runner keys <create --tenant NAME [options] | list | revoke ID>

API keys kept in Redis (REDIS_URL, QUEUE_PREFIX), next to API_KEYS (docs/contract.md §10). Only a
key's SHA-256 is stored; every api process looks keys up on each request, so a revoked key is
refused at once everywhere.

  create           make a key and print it, once (store it now: it cannot be shown again)
    --tenant NAME          the tenant its bots belong to (a-z, 0-9 and -, at most 32)
    --admin                sees and stops the bots of every tenant
    --zoom-users LIST      Zoom users it may name in auth.user, comma-separated: user ids,
                           emails, '*@domain' or '*' (default: none; the service user and the
                           pool are always allowed)
    --max-live-bots N      live bots its tenant may hold (default TENANT_MAX_LIVE_BOTS)
    --rate N/s             enqueues per second for its tenant (default TENANT_RATE_PER_SEC)
  list             every key in Redis: id, tenant and limits (never a key)
  revoke ID        delete a key; bots it queued stay, but one that names a Zoom user is refused
                   at its next mint

Options:
  -h, --help       this text
`;

type Out = (line: string) => void;

function positiveInt(flag: string, value: string, pattern: RegExp): number {
  const match = pattern.exec(value);
  const n = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(n) || n < 1) {
    throw new CliUsageError(`--${flag} must be a whole number above 0 (got ${JSON.stringify(value)})`);
  }
  return n;
}

function zoomUsers(list: string | undefined): string[] {
  if (list === undefined) return [];
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const parsed = zoomUserPatternSchema.safeParse(entry);
      if (!parsed.success) {
        throw new CliUsageError(`--zoom-users: ${JSON.stringify(entry)} ${parsed.error.issues[0]?.message}`);
      }
      return parsed.data;
    });
}

export async function runKeysCommand(
  args: string[],
  env: Env,
  out: Out = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  let parsed: ReturnType<typeof parseKeysArgs>;
  try {
    parsed = parseKeysArgs(args);
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    throw new CliUsageError(
      `keys needs create, list or revoke (got ${JSON.stringify(action ?? '')})\n\n${HELP}`,
    );
  }
  if (action === 'revoke' ? rest.length !== 1 : rest.length > 0) {
    throw new CliUsageError(
      action === 'revoke' ? 'keys revoke needs one key ID' : `keys ${action} takes no arguments`,
    );
  }
  const createOnly = ['tenant', 'admin', 'zoom-users', 'max-live-bots', 'rate'] as const;
  const misplaced = createOnly.find((flag) => values[flag] !== undefined);
  if (action !== 'create' && misplaced) throw new CliUsageError(`--${misplaced} is for keys create only`);
  const tenant = values.tenant;
  if (action === 'create') {
    if (tenant === undefined) throw new CliUsageError('keys create needs --tenant NAME');
    const name = tenantNameSchema.safeParse(tenant);
    if (!name.success) throw new CliUsageError(`--tenant ${name.error.issues[0]?.message}`);
  }
  const config = loadConfig(env);
  const redis = connectRedis(configuredRedisAddress(config), undefined, 'keys', { maxRetriesPerRequest: 1 });
  try {
    const keys = new ApiKeyStore({ redis, prefix: config.QUEUE_PREFIX });
    if (action === 'list') {
      const records = await keys.list();
      if (records.length === 0)
        out('No API keys in Redis. Make one with: zoom-bot-runner keys create --tenant NAME');
      for (const r of records) {
        out(
          [
            r.id,
            `tenant=${r.tenant}`,
            ...(r.admin ? ['admin'] : []),
            `zoom-users=${r.zoomUsers.join(',') || '(none)'}`,
            `max-live-bots=${r.maxLiveBots}`,
            `rate=${r.ratePerSec}/s`,
            `created=${r.createdAt}`,
          ].join('\t'),
        );
      }
      return 0;
    }
    if (action === 'revoke') {
      const id = rest[0] ?? '';
      if (!(await keys.revoke(id))) {
        throw Object.assign(new Error(`No API key ${id} in Redis (keys list shows them)`), {
          code: 'key_not_found',
        });
      }
      out(`revoked ${id}`);
      return 0;
    }
    const { key, record } = await keys.create({
      tenant: tenant ?? '',
      admin: values.admin === true,
      zoomUsers: zoomUsers(values['zoom-users']),
      maxLiveBots:
        values['max-live-bots'] === undefined
          ? config.TENANT_MAX_LIVE_BOTS
          : positiveInt('max-live-bots', values['max-live-bots'], /^(\d+)$/),
      ratePerSec:
        values.rate === undefined
          ? config.TENANT_RATE_PER_SEC
          : positiveInt('rate', values.rate, /^(\d+)(?:\/s)?$/),
    });
    out(`id:     ${record.id}`);
    out(`tenant: ${record.tenant}${record.admin ? ' (admin)' : ''}`);
    out(`key:    ${key}`);
    out('The key is shown this once: only its SHA-256 is kept.');
    return 0;
  } finally {
    redis.disconnect();
  }
}

function parseKeysArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      tenant: { type: 'string' },
      admin: { type: 'boolean' },
      'zoom-users': { type: 'string' },
      'max-live-bots': { type: 'string' },
      rate: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
