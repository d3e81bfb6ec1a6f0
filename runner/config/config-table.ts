import { z } from 'zod';
import { envBool, envInt, envList, envNumber, envOriginList, envShellWords, envUrl } from './env-values.js';

interface Variable<S extends z.ZodType> {
  schema: S;
  /** As the user would write it in the environment; absent means "unset unless given". */
  default?: string;
  /** One line for the README configuration table. */
  doc: string;
  /** Never printed: redacted from logs and `config` dumps. */
  secret?: boolean;
}

// `const` keeps each `default` visible to the `Config` type, so defaulted variables are non-optional.
const v = <const V extends Variable<z.ZodType>>(variable: V): V => variable;
const text = z.string().min(1);

/**
 * Contract §2: every environment variable the runner reads, its default and meaning. This table is the
 * only reader of `process.env`, and the README's configuration table is checked against it.
 */
export const CONFIG_TABLE = {
  REDIS_URL: v({
    schema: envUrl(/^rediss?$/),
    default: 'redis://127.0.0.1:6379',
    doc: 'Redis holding the queues, locks, shared OAuth token and rate-limit counters.',
  }),
  QUEUE_PREFIX: v({
    schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, _ or - (at most 64)'),
    default: 'zbr',
    doc: 'Prefix of every Redis key; separate deployments sharing one Redis use different prefixes.',
  }),
  ZOOM_SIM_URL: v({
    schema: envUrl(/^https?$/),
    doc: 'Sim mode: the zoom-sim to use for OAuth, REST and the page. Unset in production.',
  }),
  ZOOM_ACCOUNT_ID: v({ schema: text, doc: 'Server-to-Server OAuth app: account id.' }),
  ZOOM_CLIENT_ID: v({ schema: text, doc: 'Server-to-Server OAuth app: client id.' }),
  ZOOM_CLIENT_SECRET: v({ schema: text, doc: 'Server-to-Server OAuth app: client secret.', secret: true }),
  ZOOM_SDK_KEY: v({ schema: text, doc: 'Meeting SDK app: SDK key (client id).' }),
  ZOOM_SDK_SECRET: v({
    schema: text,
    doc: 'Meeting SDK app: SDK secret, signs join signatures.',
    secret: true,
  }),
  ZOOM_API_BASE: v({
    schema: envUrl(/^https?$/),
    default: 'https://api.zoom.us/v2',
    doc: 'Zoom REST base URL (override for a proxy or recorder).',
  }),
  ZOOM_OAUTH_BASE: v({
    schema: envUrl(/^https?$/),
    default: 'https://zoom.us',
    doc: 'Zoom OAuth base URL (override for a proxy or recorder).',
  }),
  ZOOM_BOT_USER: v({
    schema: z.string().min(1).max(128),
    doc: 'Service user (id or email) whose ZAK bots join with by default. `me` is not valid for S2S apps.',
  }),
  ZOOM_PLAN: v({
    schema: z.enum(['free', 'pro', 'business']),
    default: 'pro',
    doc: "The account's plan: sets the fleet-wide Zoom API rate-limit budget.",
  }),
  API_PORT: v({
    schema: envInt(0, 65535),
    default: '8080',
    doc: 'Port of /livez, /readyz and /metrics on every process; /v1 and the dashboard on start and api.',
  }),
  API_KEYS: v({
    schema: envList,
    doc: 'Comma-separated API keys accepted as `Authorization: Bearer`.',
    secret: true,
  }),
  DASHBOARD_USER: v({ schema: text, doc: 'Dashboard basic-auth user.' }),
  DASHBOARD_PASSWORD: v({ schema: text, doc: 'Dashboard basic-auth password.', secret: true }),
  DASHBOARD_READONLY: v({
    schema: envBool,
    default: 'true',
    doc: 'Dashboard cannot retry, remove or promote jobs.',
  }),
  JOB_ENCRYPTION_KEY: v({
    schema: z.string().min(32, 'must be at least 32 characters'),
    doc: 'Encrypts passcode and registrant token in job data. Required in Zoom mode.',
    secret: true,
  }),
  WEBHOOK_URL: v({ schema: envUrl(/^https?$/), doc: 'Receives every bot state change (contract §7).' }),
  WEBHOOK_SECRET: v({ schema: text, doc: 'Signs webhook requests (X-ZBR-Signature).', secret: true }),
  TOKEN_CALLBACK_SECRET: v({ schema: text, doc: 'Signs token-callback requests.', secret: true }),
  OUTBOUND_URL_ALLOWLIST: v({
    schema: envOriginList,
    doc: 'Origins webhook and token-callback URLs may use. Unset: only https to public addresses.',
  }),
  WORKER_CONCURRENCY: v({
    schema: envInt(1, 1000),
    default: '10',
    doc: 'Bots one worker process runs at once.',
  }),
  BOTS_PER_BROWSER: v({
    schema: envInt(1, 200),
    default: '10',
    doc: 'Bots sharing one Chromium process (each in its own context).',
  }),
  WORKER_WARM_PAGES: v({
    schema: envInt(0, 200),
    default: '1',
    doc: 'Bot pages a worker keeps loaded and initialised, ready for the next joins or rejoins.',
  }),
  WORKER_MIN_FREE_MEMORY_MB: v({
    schema: envInt(0, 1_000_000),
    default: '512',
    doc: 'A worker takes a new job only while this much memory is free.',
  }),
  RECONNECT_GRACE_MS: v({
    schema: envNumber(0, 600_000),
    default: '15000',
    doc: 'How long the SDK may try to reconnect by itself (failover) before the runner rejoins.',
  }),
  SHUTDOWN_MODE: v({
    schema: z.enum(['handoff', 'drain']),
    default: 'handoff',
    doc: 'On SIGTERM: `handoff` requeues bots for immediate rejoin elsewhere; `drain` waits for meetings to end.',
  }),
  SHUTDOWN_GRACE_SEC: v({
    schema: envNumber(0, 86_400),
    default: '30',
    doc: 'Longest a handoff shutdown takes before the process exits.',
  }),
  CHROMIUM_PATH: v({ schema: text, default: '/usr/bin/chromium', doc: 'Chromium executable.' }),
  CHROMIUM_ARGS: v({
    schema: envShellWords,
    default: '',
    doc: 'Extra Chromium flags, split as a shell splits words (quotes respected).',
  }),
  LOG_LEVEL: v({
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: 'pino log level.',
  }),
} as const;

export type ConfigVariable = keyof typeof CONFIG_TABLE;
type Table = typeof CONFIG_TABLE;
type Defaulted = { [K in ConfigVariable]: Table[K] extends { default: string } ? K : never }[ConfigVariable];

export type Config = Readonly<
  { [K in Defaulted]: z.output<Table[K]['schema']> } & {
    [K in Exclude<ConfigVariable, Defaulted>]?: z.output<Table[K]['schema']>;
  }
>;

export const CONFIG_VARIABLES = Object.keys(CONFIG_TABLE) as ConfigVariable[];
export const SECRET_VARIABLES = CONFIG_VARIABLES.filter(
  (name) => (CONFIG_TABLE[name] as Variable<z.ZodType>).secret === true,
);
