#!/usr/bin/env node
import { runApiCommand } from './api-command.js';
import { runEnqueueCommand, runLeaveCommand, runStatusCommand } from './bot-commands.js';
import { CliUsageError, type Command } from './command.js';
import { runDoctorCommand } from './doctor-command.js';
import { runKeysCommand } from './keys-command.js';
import { runChatCommand, runEventsCommand } from './meeting-commands.js';
import { runPoolCommand } from './pool-command.js';
import { runSimCommand } from './sim-command.js';
import { runStartCommand } from './start-command.js';
import { runWorkerCommand } from './worker-command.js';

const COMMANDS: Record<string, Command> = {
  start: {
    summary:
      'API, one worker and the dashboard in one process; with no Zoom configured, an embedded zoom-sim.',
    run: runStartCommand,
  },
  api: { summary: 'Serve the HTTP API (/v1): queue, list and stop bots.', run: runApiCommand },
  doctor: {
    summary: 'Check the Zoom credentials: fetch a token, mint a ZAK, say plainly what is wrong.',
    run: (args, env) => runDoctorCommand(args, env),
  },
  sim: { summary: 'Run zoom-sim, a local stand-in for Zoom (REST, OAuth, meetings).', run: runSimCommand },
  worker: {
    summary: 'Run bots: take jobs from the queue and keep bots in their meetings.',
    run: runWorkerCommand,
  },
  enqueue: {
    summary: 'Queue a bot and print its id (--follow: watch it until it ends).',
    run: runEnqueueCommand,
  },
  status: { summary: "Print a bot's view: state, end reason, events.", run: runStatusCommand },
  leave: { summary: 'Ask a bot to leave its meeting.', run: runLeaveCommand },
  events: {
    summary: 'Print what a bot saw in its meeting (--follow: live, until it ends; --type chat).',
    run: runEventsCommand,
  },
  chat: { summary: 'Have a bot say something in its meeting chat.', run: runChatCommand },
  keys: {
    summary: 'API keys in Redis (tenants, allowlists, limits): create, list or revoke.',
    run: (args, env) => runKeysCommand(args, env),
  },
  pool: {
    summary: "The bot pool (auth.user 'pool'): list, add or remove Zoom users.",
    run: (args, env) => runPoolCommand(args, env),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'Usage: zoom-bot-runner <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'zoom-bot-runner <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`Unknown command '${name}'.\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, process.env);
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    const code = (error as { code?: unknown }).code;
    process.stderr.write(
      `zoom-bot-runner ${name}: ${(error as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}\n`,
    );
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands resolve only when they have shut down.
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
