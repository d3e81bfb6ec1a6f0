import { onTestFinished } from 'vitest';
import { createApiApp } from '../../runner/api/api-app.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { redisReadiness } from '../../runner/http/health-routes.js';
import { startHttpServer } from '../../runner/http/http-server.js';
import { OutboundUrlPolicy } from '../../runner/http/outbound-url-policy.js';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import { createQueueLayer, type QueueLayer } from '../../runner/queue/queue-layer.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';
import { captureLogger } from '../helpers/capture-logger.js';

export const API_KEY = 'test-key-0123456789abcdef';
export const OTHER_KEY = 'other-key-abcdef0123456789';

export interface ApiFixture {
  url: string;
  /** Its QUEUE_PREFIX: give it to another `startApi` for a second api process of the same deployment. */
  prefix: string;
  layer: QueueLayer;
  logLines: string[];
  /** fetch under `url` with the right key unless `headers` says otherwise. */
  call(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

/**
 * The API over a real socket on a free port, on a fresh Redis prefix (or `options.prefix`, to run
 * several api processes on one deployment); everything is closed and the prefix deleted when the
 * test finishes. Its keys belong to tenant `default`, which may name Zoom users at example.com.
 */
export async function startApi(
  env: Record<string, string> = {},
  options: { prefix?: string } = {},
): Promise<ApiFixture> {
  const prefix = options.prefix ?? uniquePrefix();
  const config = loadConfig({
    QUEUE_PREFIX: prefix,
    API_KEYS: `${API_KEY},${OTHER_KEY}`,
    TENANT_ZOOM_USERS: 'default:*@example.com',
    ...env,
  });
  const redis = connectTestRedis();
  const layer = createQueueLayer({
    redis,
    prefix,
    jobEncryptionKey: 'test-job-encryption-key-0123456789abcdef',
    urlPolicy: new OutboundUrlPolicy({ allowlist: config.OUTBOUND_URL_ALLOWLIST }),
    maxJoinAheadSec: config.MAX_JOIN_AHEAD_SEC,
  });
  const { logger, lines } = captureLogger('info');
  const app = createApiApp({
    layer,
    config,
    logger,
    metrics: new RunnerMetrics(),
    pages: false,
    readiness: redisReadiness(redis),
  });
  const http = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
  onTestFinished(async () => {
    await http.close();
    await layer.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return {
    url: http.url,
    prefix,
    layer,
    logLines: lines,
    call: (path, init = {}) => {
      const { json, headers, ...rest } = init;
      return fetch(`${http.url}${path}`, {
        ...rest,
        headers: {
          Authorization: `Bearer ${API_KEY}`,
          ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(headers as Record<string, string> | undefined),
        },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },
  };
}

/** A valid bot request; tests override what they look at. */
export function botRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    meetingNumber: '123 4567 8901',
    displayName: 'Notes bot',
    auth: { type: 'none' },
    ...overrides,
  };
}
