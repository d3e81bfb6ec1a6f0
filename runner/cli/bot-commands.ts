import { parseArgs } from 'node:util';
import type { BotRequestInput } from '../../shared/bot-request.js';
import type { BotView } from '../../shared/bot-view.js';
import { type BotClient, createBotClient, isBotServiceError } from '../client/producer-client.js';
import { loadConfig } from '../config/load-config.js';
import { queueKeys } from '../queue/queue-names.js';
import { configuredRedisAddress } from '../redis/redis-address.js';
import { connectRedis } from '../redis/redis-connection.js';
import { CliUsageError, type Env, parseFlags } from './command.js';

const ENQUEUE_HELP = `Usage: zoom-bot-runner enqueue --meeting NUMBER --name NAME [options]

Queues a bot (the same validation and answers as POST /v1/bots) and prints its id.
Talks to the runner's Redis (REDIS_URL, QUEUE_PREFIX, JOB_ENCRYPTION_KEY from the environment).

Options:
  --meeting NUMBER        meeting number (spaces and dashes allowed)
  --name NAME             display name in the meeting
  --auth TYPE             zak (default) | obf | none | callback
  --user USER             zak: a Zoom user or 'pool'; obf: the authorising user (required)
  --callback-url URL      callback: where to ask for the token
  --passcode-env VAR      read the meeting passcode from environment variable VAR
  --passcode-stdin        read the meeting passcode from standard input
                          (never pass a passcode as an argument: argv is visible to every user)
  --join-at ISO           schedule the join (ISO 8601)
  --dedupe-key KEY        return the live bot with this key instead of a new one
  --webhook-url URL       state changes of this bot are POSTed here
  --alone-sec N           leave after N seconds with no participant but our bots
  --max-duration-sec N    leave after N seconds in the meeting
  --tenant NAME           the tenant the bot belongs to (default: default)
  --follow                print state changes until the bot ends
  -h, --help              this text
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** The producer library on the runner's Redis, acting as `tenant` (docs/contract.md §10). */
export function clientFor(
  env: Env,
  tenant: string | undefined,
): { client: BotClient; redisUrl: string; prefix: string } {
  const config = loadConfig(env);
  const client = createBotClient({
    redisUrl: configuredRedisAddress(config),
    queuePrefix: config.QUEUE_PREFIX,
    ...(tenant !== undefined ? { tenant } : {}),
    ...(config.JOB_ENCRYPTION_KEY !== undefined ? { jobEncryptionKey: config.JOB_ENCRYPTION_KEY } : {}),
    ...(config.ZOOM_BOT_USER !== undefined ? { serviceUser: config.ZOOM_BOT_USER } : {}),
    chatPerBotPerMin: config.CHAT_PER_BOT_PER_MIN,
  });
  return { client, redisUrl: configuredRedisAddress(config), prefix: config.QUEUE_PREFIX };
}

/** A service error as one line naming the field, like the API's error body. */
export function explain(error: unknown): never {
  if (isBotServiceError(error)) {
    const field = error.field ? ` (${error.field})` : '';
    throw Object.assign(new Error(`${error.message}${field}`), { code: error.code });
  }
  throw error;
}

function line(view: Pick<BotView, 'state' | 'endReason' | 'endDetail'> & { at?: string }): string {
  const end = view.endReason ? ` ${view.endReason}${view.endDetail ? ` (${view.endDetail})` : ''}` : '';
  return `${view.at ?? new Date().toISOString()} ${view.state}${end}\n`;
}

/** Prints each state change of `botId` until it ends. Subscribed before the caller acts, so none is missed. */
async function follow(
  redisUrl: string,
  prefix: string,
  botId: () => string | undefined,
): Promise<() => Promise<BotView>> {
  const subscriber = connectRedis(redisUrl, undefined, 'follow');
  const channel = queueKeys(prefix).eventsChannel;
  let resolveEnd: (view: BotView) => void = () => {};
  const ended = new Promise<BotView>((resolve) => {
    resolveEnd = resolve;
  });
  subscriber.on('message', (_channel: string, raw: string) => {
    const event = JSON.parse(raw) as { id: string; at: string; view: BotView };
    if (event.id !== botId()) return;
    process.stdout.write(line({ ...event.view, at: event.at }));
    if (event.view.state === 'ended') resolveEnd(event.view);
  });
  await subscriber.subscribe(channel);
  return async () => {
    const view = await ended;
    subscriber.disconnect();
    return view;
  };
}

export async function runEnqueueCommand(args: string[], env: Env): Promise<number> {
  const options = {
    meeting: { type: 'string' },
    name: { type: 'string' },
    auth: { type: 'string' },
    user: { type: 'string' },
    'callback-url': { type: 'string' },
    'passcode-env': { type: 'string' },
    'passcode-stdin': { type: 'boolean' },
    'join-at': { type: 'string' },
    'dedupe-key': { type: 'string' },
    'webhook-url': { type: 'string' },
    'alone-sec': { type: 'string' },
    'max-duration-sec': { type: 'string' },
    tenant: { type: 'string' },
    follow: { type: 'boolean' },
  } as const;
  const values = parseFlags(args, options, ENQUEUE_HELP);
  if (!values) return 0;
  let passcode: string | undefined;
  if (values['passcode-env'] !== undefined) {
    passcode = env[values['passcode-env']];
    if (passcode === undefined)
      throw new CliUsageError(`--passcode-env: ${values['passcode-env']} is not set`);
  } else if (values['passcode-stdin']) {
    passcode = await readStdin();
  }
  const authType = values.auth ?? 'zak';
  const auth =
    authType === 'callback'
      ? { type: authType, url: values['callback-url'] }
      : authType === 'none'
        ? { type: authType }
        : { type: authType, ...(values.user !== undefined ? { user: values.user } : {}) };
  const seconds = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    if (!/^\d+(\.\d+)?$/.test(value)) throw new CliUsageError(`--${flag} must be a number of seconds`);
    return Number(value);
  };
  const leave = {
    ...(values['alone-sec'] !== undefined ? { aloneSec: seconds('alone-sec', values['alone-sec']) } : {}),
    ...(values['max-duration-sec'] !== undefined
      ? { maxDurationSec: seconds('max-duration-sec', values['max-duration-sec']) }
      : {}),
  };
  const request = {
    meetingNumber: values.meeting,
    displayName: values.name,
    auth,
    ...(passcode !== undefined ? { passcode } : {}),
    ...(values['join-at'] !== undefined ? { joinAt: values['join-at'] } : {}),
    ...(values['dedupe-key'] !== undefined ? { dedupeKey: values['dedupe-key'] } : {}),
    ...(values['webhook-url'] !== undefined ? { webhookUrl: values['webhook-url'] } : {}),
    ...(Object.keys(leave).length > 0 ? { leave } : {}),
  };
  const { client, redisUrl, prefix } = clientFor(env, values.tenant);
  let botId: string | undefined;
  const waitForEnd = values.follow ? await follow(redisUrl, prefix, () => botId) : undefined;
  try {
    // Flags are only gathered here; the client validates and names the field at fault.
    const { bot } = await client.enqueue(request as unknown as BotRequestInput).catch(explain);
    botId = bot.id;
    process.stdout.write(`${bot.id}\n`);
    if (waitForEnd) {
      process.stdout.write(line(bot));
      const current = await client.get(bot.id);
      if (current.state === 'ended') process.stdout.write(line(current));
      else await waitForEnd();
    }
    return 0;
  } finally {
    await client.close();
  }
}

/** `BOT_ID [--tenant NAME]` of `status` and `leave`; undefined when help was asked for. */
function botIdArgs(args: string[], usage: string): { id: string; tenant: string | undefined } | undefined {
  let parsed: ReturnType<typeof parseBotIdArgs>;
  try {
    parsed = parseBotIdArgs(args);
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${usage}`);
  }
  if (parsed.values.help) {
    process.stdout.write(usage);
    return undefined;
  }
  const [id, ...rest] = parsed.positionals;
  if (id === undefined || rest.length > 0) throw new CliUsageError(usage.split('\n')[0] ?? usage);
  return { id, tenant: parsed.values.tenant };
}

function parseBotIdArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
}

const STATUS_HELP = `Usage: zoom-bot-runner status BOT_ID [--tenant NAME]

Prints the bot view (docs/contract.md §4) as JSON; a bot of another tenant than --tenant (default:
default) is not found.
`;

const LEAVE_HELP = `Usage: zoom-bot-runner leave BOT_ID [--tenant NAME]

Asks the bot to leave; prints its state. A bot of another tenant than --tenant (default: default)
is not found.
`;

export async function runStatusCommand(args: string[], env: Env): Promise<number> {
  const parsed = botIdArgs(args, STATUS_HELP);
  if (!parsed) return 0;
  const { id } = parsed;
  const { client } = clientFor(env, parsed.tenant);
  try {
    process.stdout.write(`${JSON.stringify(await client.get(id).catch(explain), null, 2)}\n`);
    return 0;
  } finally {
    await client.close();
  }
}

export async function runLeaveCommand(args: string[], env: Env): Promise<number> {
  const parsed = botIdArgs(args, LEAVE_HELP);
  if (!parsed) return 0;
  const { id } = parsed;
  const { client } = clientFor(env, parsed.tenant);
  try {
    process.stdout.write(line(await client.leave(id).catch(explain)));
    return 0;
  } finally {
    await client.close();
  }
}
