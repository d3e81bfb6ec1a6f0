import { z } from 'zod';
import {
  envBool,
  envInt,
  envList,
  envNumber,
  envOriginList,
  envSecret,
  envShellWords,
  envUrl,
} from './env-values.js';
import { envApiKeyList, envTenantZoomUsers } from './tenant-values.js';

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
 * docs/contract.md §2: every environment variable the runner reads, its default and meaning. This table is the
 * only reader of `process.env`, and the README's configuration table is checked against it.
 */
export const CONFIG_TABLE = {
  REDIS_URL: v({
    schema: envUrl(/^rediss?$/),
    default: 'redis://127.0.0.1:6379',
    doc: 'Redis holding the queues, locks, shared OAuth token and rate-limit counters.',
  }),
  REDIS_SENTINELS: v({
    schema: envList.pipe(
      z.array(z.string().regex(/^[^\s,/]+:\d{1,5}$/, 'must be host:port entries, comma-separated')),
    ),
    doc: 'Redis Sentinel `host:port` list: every connection asks them for the primary REDIS_SENTINEL_NAME and follows a failover; REDIS_URL then gives only password, database and TLS (`rediss://`).',
  }),
  REDIS_SENTINEL_NAME: v({
    schema: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a Sentinel master name'),
    default: 'mymaster',
    doc: 'The primary the sentinels monitor (`sentinel monitor <name> …`).',
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
    schema: envApiKeyList(24),
    doc: 'Comma-separated `tenant:key` entries accepted as `Authorization: Bearer` (a bare key: tenant `default`); keys at least 24 characters.',
    secret: true,
  }),
  TENANT_ZOOM_USERS: v({
    schema: envTenantZoomUsers,
    doc: 'Comma-separated `tenant:pattern` entries: the Zoom users (`*`, `*@domain`, email, id) each `API_KEYS` tenant may name in `auth.user`.',
  }),
  TENANT_MAX_LIVE_BOTS: v({
    schema: envInt(1, 1_000_000),
    default: '100',
    doc: 'Live bots (every state but `ended`) one `API_KEYS` tenant may hold; more is a 429 `quota_exceeded`.',
  }),
  TENANT_RATE_PER_SEC: v({
    schema: envInt(1, 100_000),
    default: '10',
    doc: 'Enqueues per second one `API_KEYS` tenant may make across the fleet; more is a 429 `rate_limited`.',
  }),
  DASHBOARD_USER: v({ schema: text, doc: 'Dashboard basic-auth user.' }),
  DASHBOARD_PASSWORD: v({
    schema: envSecret(12),
    doc: 'Dashboard basic-auth password; at least 12 characters.',
    secret: true,
  }),
  DASHBOARD_READONLY: v({
    schema: envBool,
    default: 'true',
    doc: 'Dashboard cannot retry, remove or promote jobs.',
  }),
  JOB_ENCRYPTION_KEY: v({
    schema: z.string().min(32, 'must be at least 32 characters'),
    doc: "Encrypts passcode, registrant token, webhook/callback URLs and metadata in job data, and bots' webhook URLs wherever Redis keeps them. Required in Zoom mode.",
    secret: true,
  }),
  WEBHOOK_URL: v({
    schema: envUrl(/^https?$/),
    doc: 'Receives the bot state changes recorded while it is set (docs/contract.md §7).',
  }),
  WEBHOOK_SECRET: v({
    schema: envSecret(16),
    doc: 'Signs webhook requests (X-ZBR-Signature); at least 16 characters.',
    secret: true,
  }),
  TOKEN_CALLBACK_SECRET: v({
    schema: envSecret(16),
    doc: 'Signs token-callback requests; at least 16 characters.',
    secret: true,
  }),
  OUTBOUND_URL_ALLOWLIST: v({
    schema: envOriginList,
    doc: 'Origins webhook and token-callback URLs may use. Unset: only https to public addresses.',
  }),
  WEBHOOK_ORIGIN_CONCURRENCY: v({
    schema: envInt(1, 1000),
    default: '8',
    doc: 'Webhook deliveries in flight to one receiver origin, fleet-wide: a dead receiver holds no more.',
  }),
  WEBHOOK_ORIGIN_BACKLOG: v({
    schema: envInt(1, 1_000_000),
    default: '10000',
    doc: 'Pending webhook deliveries kept per receiver origin; past it the oldest are dropped (counted, logged).',
  }),
  MEETING_EVENTS_MAX: v({
    schema: envInt(100, 1_000_000),
    default: '10000',
    doc: "Meeting events kept per bot (docs/contract.md §11); past it the oldest go. Kept as long as the bot's view.",
  }),
  CHAT_PER_BOT_PER_MIN: v({
    schema: envInt(1, 10_000),
    default: '30',
    doc: 'Chat messages one bot may be asked to send per minute, fleet-wide; more is a 429 `rate_limited` (`Retry-After`).',
  }),
  SSE_MAX_PER_TENANT: v({
    schema: envInt(1, 100_000),
    default: '100',
    doc: 'Meeting-event streams (SSE) one tenant may hold open on one api process; more is a 429 `too_many_streams`.',
  }),
  MAX_JOIN_AHEAD_SEC: v({
    schema: envNumber(1, 10 * 365 * 86_400),
    default: '2592000',
    doc: "Longest a request's `joinAt` may lie ahead (30 days); further is refused (422 naming `joinAt`).",
  }),
  MAX_BOT_DURATION_SEC: v({
    schema: envNumber(1, 365 * 86_400),
    default: '86400',
    doc: 'Every bot leaves (`max_duration`) this long after first joining, unless its request asks for less.',
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
    doc: 'Bot pages a worker always keeps loaded and initialised (the floor): after a burst of joins or rejoins it keeps as many as the burst, within free slots and memory, shrinking back when idle.',
  }),
  WORKER_WARM_PAGES_MAX: v({
    schema: envInt(0, 1000),
    doc: 'Most warm pages a worker keeps after bursts (never fewer than WORKER_WARM_PAGES). Unset: bounded only by free slots and memory.',
  }),
  WORKER_PAGE_DRIVER: v({
    schema: z.enum(['chromium', 'sim-client']),
    default: 'chromium',
    doc: "What a worker's bots join with: `chromium` (a page per bot), or `sim-client` (sim mode only: a zoom-sim participant socket per bot, no browser, for fleet-scale tests of the control plane).",
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
  RECONCILE_INTERVAL_SEC: v({
    schema: envNumber(0.1, 3600),
    default: '30',
    doc: 'How often the reconciler (one process at a time) ends bots whose job is gone and fixes pool counts.',
  }),
  CHROMIUM_PATH: v({ schema: text, default: '/usr/bin/chromium', doc: 'Chromium executable.' }),
  CHROMIUM_ARGS: v({
    schema: envShellWords,
    default: '',
    doc: 'Extra Chromium flags, split as a shell splits words (quotes respected).',
  }),
  CHROMIUM_SANDBOX: v({
    schema: z.enum(['auto', 'on', 'off']),
    default: 'auto',
    doc: "Chromium's sandbox for the renderers that run meeting content: `on` (a launch without it fails), `off`, or `auto` (on where the kernel allows it; the log says which it got and why).",
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
