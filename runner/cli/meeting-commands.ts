import { parseArgs } from 'node:util';
import { meetingEventQuerySchema } from '../meeting-events/meeting-event-service.js';
import { clientFor, explain } from './bot-commands.js';
import { CliUsageError, type Env } from './command.js';

const EVENTS_HELP = `Usage: zoom-bot-runner events BOT_ID [--follow] [--type TYPE] [--after SEQ] [--tenant NAME]

Prints what the bot saw in its meeting (docs/contract.md §11), one JSON event a line, oldest first.
Talks to the runner's Redis (REDIS_URL, QUEUE_PREFIX from the environment).

Options:
  --type TYPE      only this type (chat.received) or group (chat, participant, caption, speaker, recording)
  --after SEQ      only events after this seq
  --follow         then print each new event as it comes, until the bot has ended
  --tenant NAME    the tenant the bot belongs to (default: default)
  -h, --help       this text
`;

const CHAT_HELP = `Usage: zoom-bot-runner chat BOT_ID TEXT [--to PARTICIPANT_ID] [--tenant NAME]

Has the bot say TEXT (1–1024 characters) in its meeting, to everyone or privately to one participant
(a participantId from 'events'). Prints the request id; the message shows as a chat.sent event once
the meeting took it. Fails with not_in_meeting unless the bot is in_meeting.
`;

/** `BOT_ID [TEXT]` and flags; undefined when help was asked for (and printed). */
function parse<const O extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  args: string[],
  options: O,
  usage: string,
) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage);
    return undefined;
  }
  return parsed;
}

export async function runEventsCommand(args: string[], env: Env): Promise<number> {
  const parsed = parse(
    args,
    {
      follow: { type: 'boolean' },
      type: { type: 'string' },
      after: { type: 'string' },
      tenant: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    } as const,
    EVENTS_HELP,
  );
  if (!parsed) return 0;
  const [id, ...rest] = parsed.positionals;
  if (id === undefined || rest.length > 0) throw new CliUsageError(EVENTS_HELP.split('\n')[0] ?? EVENTS_HELP);
  const query = meetingEventQuerySchema.safeParse({
    ...(parsed.values.type !== undefined ? { type: parsed.values.type } : {}),
    ...(parsed.values.after !== undefined ? { after: parsed.values.after } : {}),
  });
  if (!query.success) {
    const issue = query.error.issues[0];
    throw new CliUsageError(`--${String(issue?.path[0] ?? 'type')}: ${issue?.message ?? 'invalid'}`);
  }
  const { type } = query.data;
  let { after } = query.data;
  const { client } = clientFor(env, parsed.values.tenant);
  const print = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
  try {
    if (parsed.values.follow) {
      const matches = (t: string) => type === undefined || t === type || t.startsWith(`${type}.`);
      for await (const event of client.followMeetingEvents(id, { after }))
        if (matches(event.type)) print(event);
      return 0;
    }
    for (;;) {
      const page = await client.meetingEvents(id, {
        after,
        limit: 1000,
        ...(type !== undefined ? { type } : {}),
      });
      for (const event of page.items) print(event);
      if (page.nextAfter === after) return 0;
      after = page.nextAfter;
    }
  } catch (error) {
    return explain(error);
  } finally {
    await client.close();
  }
}

export async function runChatCommand(args: string[], env: Env): Promise<number> {
  const parsed = parse(
    args,
    { to: { type: 'string' }, tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const,
    CHAT_HELP,
  );
  if (!parsed) return 0;
  const [id, text, ...rest] = parsed.positionals;
  if (id === undefined || text === undefined || rest.length > 0) {
    throw new CliUsageError(CHAT_HELP.split('\n')[0] ?? CHAT_HELP);
  }
  const to = parsed.values.to;
  if (to !== undefined && !/^\d{1,15}$/.test(to)) throw new CliUsageError('--to must be a participant id');
  const { client } = clientFor(env, parsed.values.tenant);
  try {
    const { requestId } = await client
      .chat(id, text, to !== undefined ? { to: Number(to) } : {})
      .catch(explain);
    process.stdout.write(`${requestId}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
