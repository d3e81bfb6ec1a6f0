import { loadConfig } from '../config/load-config.js';
import { requireConfiguredMode } from '../config/mode.js';
import { connectRedis } from '../redis/redis-connection.js';
import { PoolReservations } from '../zoom/pool-reservations.js';
import { createZoomClients, resolveZoomCredentials } from '../zoom/zoom-credentials.js';
import { CliUsageError, type Env } from './command.js';

const HELP = `Usage: zoom-bot-runner pool <list | add USER... | remove USER...>

The bot pool: Zoom users that bots with auth {type: 'zak', user: 'pool'} join as, the least loaded
first and never one user twice in a meeting. Kept in Redis (REDIS_URL, QUEUE_PREFIX).

  list             each pool user and the number of bots it serves now
  add USER...      add users of your Zoom account (ids or emails). Each is looked up through the
                   Zoom API first (needs a mode: ZOOM_SIM_URL or the ZOOM_* credentials) and added
                   by its id; if any is not found, none is added
  remove USER...   take users (ids) out of the pool; bots already joined as them stay

Options:
  -h, --help       this text
`;

type Out = (line: string) => void;

export async function runPoolCommand(
  args: string[],
  env: Env,
  out: Out = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const option = args.find((arg) => arg.startsWith('-'));
  if (option !== undefined) throw new CliUsageError(`Unknown option '${option}'\n\n${HELP}`);
  const [action, ...users] = args;
  if (action !== 'list' && action !== 'add' && action !== 'remove') {
    throw new CliUsageError(
      `pool needs list, add or remove (got ${JSON.stringify(action ?? '')})\n\n${HELP}`,
    );
  }
  if (action !== 'list' && users.length === 0)
    throw new CliUsageError(`pool ${action} needs at least one USER`);
  const config = loadConfig(env);
  const redis = connectRedis(config.REDIS_URL, undefined, 'pool', { maxRetriesPerRequest: 1 });
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
