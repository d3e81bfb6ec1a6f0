import { Redis } from 'ioredis';
import { loadConfig } from '../../runner/config/load-config.js';
import { requireConfiguredMode } from '../../runner/config/mode.js';
import { ZoomCredentialSource } from '../../runner/worker/credential-source.js';
import { createZoomClients, resolveZoomCredentials } from '../../runner/zoom/zoom-credentials.js';
import { botRequestSchema } from '../../shared/bot-request.js';
import { mapLimited } from './map-limited.js';

/**
 * One process of the zoom-api benchmark's fleet (`node --import tsx bench/lib/mint-process.ts`, with an
 * IPC channel): the worker's own credential code — Zoom clients on a Redis connection of its own under
 * the fleet's QUEUE_PREFIX, so the access token and the rate budget are shared fleet-wide — minting
 * what each join attempt it is given needs (signature, ZAK). It says `ready`, mints on `go`, reports
 * `done` and exits. Nothing secret is sent back: counts and times only. The parent imports its types
 * only: importing this module runs it.
 */

export interface MintGo {
  type: 'go';
  /** Attempt numbers: each is a bot of its own joining a meeting of its own. */
  attempts: number[];
  /** Attempts in flight at once, as a worker runs WORKER_CONCURRENCY bots. */
  concurrency: number;
}

export interface MintCounts {
  /** Requests to `/oauth/token` (every exchange, retries included). */
  oauthRequests: number;
  /** Requests to mint a ZAK (every exchange, those answered 429 included). */
  mintRequests: number;
  /** Answers with HTTP 429, any operation. */
  rateLimited: number;
  /** When each 429 came, ms after `go`: shows whether they bunch at the start or recur. */
  rateLimitedAtMs: number[];
  /** Attempts that got their credentials. */
  minted: number;
  /** Attempts that failed, by error code. */
  failures: Record<string, number>;
  /** Each attempt's time from start to credentials (or failure), ms. */
  latenciesMs: number[];
}

export type MintReport =
  | { type: 'ready' }
  | ({ type: 'done' } & MintCounts)
  | { type: 'failed'; message: string };

/** A meeting number of its own per attempt: one Zoom user may be in many meetings at once. */
function attemptMeeting(attempt: number): string {
  return `8${String(attempt).padStart(10, '0')}`;
}

function send(report: MintReport): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(report, () => resolve());
  });
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const mode = requireConfiguredMode(config, 'bench zoom-api');
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const counts: MintCounts = {
    oauthRequests: 0,
    mintRequests: 0,
    rateLimited: 0,
    rateLimitedAtMs: [],
    minted: 0,
    failures: {},
    latenciesMs: [],
  };
  try {
    const credentials = await resolveZoomCredentials(config, mode);
    const clients = createZoomClients({
      config,
      credentials,
      redis,
      http: {
        onCall: (operation, status) => {
          if (operation === 'oauth_token') counts.oauthRequests++;
          if (operation === 'mint_zak') counts.mintRequests++;
          if (status === 429) {
            counts.rateLimited++;
            counts.rateLimitedAtMs.push(Math.round(performance.now() - goAt));
          }
        },
      },
    });
    const source = new ZoomCredentialSource(clients);
    let goAt = 0;
    const go = await new Promise<MintGo>((resolve) => {
      process.once('message', (message) => resolve(message as MintGo));
      void send({ type: 'ready' });
    });
    goAt = performance.now();
    await mapLimited(go.attempts, go.concurrency, async (attempt) => {
      const request = botRequestSchema.parse({
        meetingNumber: attemptMeeting(attempt),
        displayName: `Bench ${attempt}`,
        auth: { type: 'zak' },
      });
      const startedAt = performance.now();
      try {
        await source.mint(`bench-zoom-api-${attempt}`, request);
        counts.minted++;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const key = typeof code === 'string' ? code : (error as Error).name;
        counts.failures[key] = (counts.failures[key] ?? 0) + 1;
      }
      counts.latenciesMs.push(performance.now() - startedAt);
    });
    await send({ type: 'done', ...counts });
  } finally {
    redis.disconnect();
  }
}

main().then(
  () => process.disconnect?.(),
  async (error: unknown) => {
    await send({ type: 'failed', message: (error as Error).message });
    process.exitCode = 1;
    process.disconnect?.();
  },
);
