import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { requireConfiguredMode } from '../config/mode.js';
import { configuredRedisAddress } from '../redis/redis-address.js';
import { connectRedis } from '../redis/redis-connection.js';
import { PoolReservations } from '../zoom/pool-reservations.js';
import type { PictureType, PoolUsers, ZoomUser } from '../zoom/pool-users.js';
import { createZoomClients, resolveZoomCredentials } from '../zoom/zoom-credentials.js';
import { ZoomUserExistsError } from '../zoom/zoom-errors.js';
import { CliUsageError, type Env } from './command.js';

const HELP = `Usage: zoom-bot-runner pool <list | add USER... | remove USER... | create | picture USER FILE>

The bot pool: Zoom users that bots with auth {type: 'zak', user: 'pool'} join as, the least loaded
first and never one user twice in a meeting. Kept in Redis (REDIS_URL, QUEUE_PREFIX).

  list             each pool user and the number of bots it serves now
  add USER...      add users of your Zoom account (ids or emails). Each is looked up through the
                   Zoom API first (needs a mode: ZOOM_SIM_URL or the ZOOM_* credentials) and added
                   by its id; if any is not found, none is added
  remove USER...   take users (ids) out of the pool; bots already joined as them stay
  create --count N --email TEMPLATE [--picture FILE] [--first-name NAME]
                   create N users in your Zoom account (POST /users, action custCreate: they
                   cannot sign in), TEMPLATE's {n} numbered 1..N (bot-{n}@example.com); give
                   each the picture (PNG or JPEG, at most 2 MB) as its avatar, the one bots show
                   in meetings; add them to the pool. A user whose email exists is reused
  picture USER FILE
                   change one user's picture (PNG or JPEG)

Options:
  -h, --help       this text
`;

type Out = (line: string) => void;

// Zoom user ids are base64url and may begin with '-' (seen: '-cxVK-wldsI1eNK6bJ97Cw'), so only
// '--name' and one-letter '-x' count as options.
const isOption = (arg: string): boolean => arg.startsWith('--') || /^-[A-Za-z]$/.test(arg);

export async function runPoolCommand(
  args: string[],
  env: Env,
  out: Out = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args[0] === 'create') return runCreate(args.slice(1), env, out);
  if (args[0] === 'picture') return runPicture(args.slice(1), env, out);
  const option = args.find(isOption);
  if (option !== undefined) throw new CliUsageError(`Unknown option '${option}'\n\n${HELP}`);
  const [action, ...users] = args;
  if (action !== 'list' && action !== 'add' && action !== 'remove') {
    throw new CliUsageError(
      `pool needs list, add, remove, create or picture (got ${JSON.stringify(action ?? '')})\n\n${HELP}`,
    );
  }
  if (action !== 'list' && users.length === 0)
    throw new CliUsageError(`pool ${action} needs at least one USER`);
  const config = loadConfig(env);
  const redis = connectRedis(configuredRedisAddress(config), undefined, 'pool', { maxRetriesPerRequest: 1 });
  try {
    const pool = new PoolReservations({ redis, prefix: config.QUEUE_PREFIX });
    if (action === 'list') {
      const members = await pool.members();
      if (members.length === 0) out('The pool is empty. Add users with: zoom-bot-runner pool add USER...');
      for (const member of members) out(`${member.userId}\t${member.load} bot(s)`);
      return 0;
    }
    if (action === 'remove') {
      const present = new Set((await pool.members()).map((m) => m.userId));
      for (const user of users) {
        await pool.remove(user);
        out(
          present.has(user.toLowerCase()) || present.has(user)
            ? `removed ${user}`
            : `${user} was not in the pool`,
        );
      }
      return 0;
    }
    // add: every user must exist in the account, and the pool holds ids, so that an id and an
    // email of one user never count as two users in a meeting.
    const mode = requireConfiguredMode(config, 'pool add');
    const clients = createZoomClients({
      config,
      credentials: await resolveZoomCredentials(config, mode),
      redis,
    });
    const found = [];
    for (const user of users) found.push(await clients.poolUsers.get(user));
    await pool.add(found.map((user) => user.id));
    for (const user of found) out(`added ${user.id} (${user.email})`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

/** Zoom takes JPEG and PNG pictures; the file's first bytes say which, whatever its name. */
export function readPicture(file: string): { bytes: Uint8Array; type: PictureType } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CliUsageError(`Cannot read the picture ${file}: ${(error as Error).message}`);
  }
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return { bytes, type: 'image/png' };
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { bytes, type: 'image/jpeg' };
  throw new CliUsageError(`The picture ${file} is neither PNG nor JPEG (Zoom takes only those)`);
}

/** Opens the Zoom clients and the pool for a command that needs both; closes Redis after `work`. */
async function withZoom(
  env: Env,
  what: string,
  work: (tools: { poolUsers: PoolUsers; pool: PoolReservations }) => Promise<number>,
): Promise<number> {
  const config = loadConfig(env);
  const mode = requireConfiguredMode(config, what);
  const redis = connectRedis(configuredRedisAddress(config), undefined, 'pool', { maxRetriesPerRequest: 1 });
  try {
    const clients = createZoomClients({
      config,
      credentials: await resolveZoomCredentials(config, mode),
      redis,
    });
    return await work({
      poolUsers: clients.poolUsers,
      pool: new PoolReservations({ redis, prefix: config.QUEUE_PREFIX }),
    });
  } finally {
    redis.disconnect();
  }
}

const MAX_CREATE = 1_000;

async function runCreate(args: string[], env: Env, out: Out): Promise<number> {
  let parsed: ReturnType<typeof parseCreateArgs>;
  try {
    parsed = parseCreateArgs(args);
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values } = parsed;
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_CREATE)
    throw new CliUsageError(`pool create --count must be a whole number from 1 to ${MAX_CREATE}`);
  const template = values.email ?? '';
  if (!template.includes('{n}') || !/^[^@\s]+@[^@\s]+$/.test(template.replace('{n}', '1')))
    throw new CliUsageError(
      'pool create --email must be an email address holding {n}, like bot-{n}@example.com',
    );
  // Read before anything is created: a bad file creates no user.
  const picture = values.picture !== undefined ? readPicture(values.picture) : undefined;
  return withZoom(env, 'pool create', async ({ poolUsers, pool }) => {
    const created: ZoomUser[] = [];
    for (let n = 1; n <= count; n++) {
      const email = template.replaceAll('{n}', String(n));
      let user: ZoomUser;
      try {
        user = await poolUsers.create({
          email,
          ...(values['first-name'] !== undefined ? { firstName: values['first-name'] } : {}),
          lastName: String(n),
        });
        out(`created ${user.id} (${email})`);
      } catch (error) {
        if (!(error instanceof ZoomUserExistsError)) throw error;
        user = await poolUsers.get(email);
        out(`reused ${user.id} (${email}): the account already has it`);
      }
      if (picture) await poolUsers.setPicture(user.id, picture.bytes, picture.type);
      created.push(user);
    }
    await pool.add(created.map((user) => user.id));
    out(`${created.length} user(s) in the pool${picture ? ', each with the picture' : ''}`);
    return 0;
  });
}

function parseCreateArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      count: { type: 'string' },
      email: { type: 'string' },
      picture: { type: 'string' },
      'first-name': { type: 'string' },
    },
    allowPositionals: false,
    strict: true,
  });
}

async function runPicture(args: string[], env: Env, out: Out): Promise<number> {
  const [user, file, ...rest] = args;
  if (user === undefined || file === undefined || rest.length > 0 || isOption(user))
    throw new CliUsageError(`pool picture needs USER and FILE\n\n${HELP}`);
  const picture = readPicture(file);
  return withZoom(env, 'pool picture', async ({ poolUsers }) => {
    const found = await poolUsers.get(user);
    await poolUsers.setPicture(found.id, picture.bytes, picture.type);
    out(`picture of ${found.id} (${found.email}) changed`);
    return 0;
  });
}
