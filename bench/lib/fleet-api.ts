import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FleetSnapshot } from '../../runner/dashboard/fleet-snapshot.js';
import type { BotRequestInput } from '../../shared/bot-request.js';
import type { BotView } from '../../shared/bot-view.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** An API call the benchmark needed answered with 2xx, that was not. */
export class FleetApiError extends Error {
  readonly code = 'fleet_api_call_failed';
  constructor(
    readonly call: string,
    readonly status: number,
    body: string,
  ) {
    super(`${call}: HTTP ${status} ${body.slice(0, 300)}`);
    this.name = 'FleetApiError';
  }
}

/** One timed call: its answer and how long it took, measured around `fetch` in this process. */
export interface Timed<T> {
  ms: number;
  value: T;
}

/** The operator login the benchmark gives its api (DASHBOARD_USER; the password is generated per run). */
const DASHBOARD_USER = 'bench';

/**
 * `zoom-bot-runner api` as a child process (its own event loop, as in a deployment), and the timed
 * HTTP calls the fleet benchmark makes to it: enqueue, get, list, and the operator's fleet page and
 * its data (`/admin/fleet`, behind the dashboard's basic auth).
 */
export class FleetApi {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly key: string,
    /** `Basic …` for DASHBOARD_USER and DASHBOARD_PASSWORD. */
    private readonly dashboardAuth: string,
  ) {}

  /**
   * Starts it with `env` plus a generated API key and dashboard login (which turns the dashboard and
   * the fleet page on), and resolves once it logged `api ready`.
   */
  static async spawn(env: Record<string, string>): Promise<FleetApi> {
    const key = `bench_${randomBytes(24).toString('base64url')}`;
    const dashboardPassword = randomBytes(18).toString('base64url');
    const child = spawn(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', 'api'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        ...env,
        API_KEYS: key,
        DASHBOARD_USER,
        DASHBOARD_PASSWORD: dashboardPassword,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`api not ready in ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer) => {
        for (const line of String(chunk).split('\n')) {
          tail.push(line);
          if (tail.length > 50) tail.shift();
          if (!line.includes('"msg":"api ready"')) continue;
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => tail.push(String(chunk)));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`api exited (${code}) before ready: ${tail.join('\n')}`));
      });
    });
    // Keep draining its output (a full pipe would stall it), without keeping it.
    child.stdout?.removeAllListeners('data');
    child.stdout?.resume();
    child.stderr?.removeAllListeners('data');
    child.stderr?.resume();
    const login = Buffer.from(`${DASHBOARD_USER}:${dashboardPassword}`, 'utf8').toString('base64');
    return new FleetApi(child, url, key, `Basic ${login}`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** `POST /v1/bots`. */
  enqueue(request: BotRequestInput): Promise<Timed<BotView>> {
    return this.call('POST', '/v1/bots', 'enqueue', request);
  }

  /** `GET /v1/bots/:id`. */
  get(id: string): Promise<Timed<BotView>> {
    return this.call('GET', `/v1/bots/${encodeURIComponent(id)}`, 'get');
  }

  /** `GET /v1/bots?…`. */
  list(query: Record<string, string>): Promise<Timed<{ items: BotView[]; nextCursor?: string }>> {
    return this.call('GET', `/v1/bots?${new URLSearchParams(query)}`, 'list');
  }

  /** `DELETE /v1/bots/:id`. */
  leave(id: string): Promise<Timed<BotView>> {
    return this.call('DELETE', `/v1/bots/${encodeURIComponent(id)}`, 'leave');
  }

  /** `GET /admin/fleet/data[?since=…]`: the fleet page's JSON, and its size in bytes. */
  async fleetData(since?: string): Promise<Timed<{ snapshot: FleetSnapshot; bytes: number }>> {
    const query = since === undefined ? '' : `?${new URLSearchParams({ since })}`;
    const { ms, text } = await this.send('GET', `/admin/fleet/data${query}`, 'fleet data', {
      authorization: this.dashboardAuth,
    });
    return { ms, value: { snapshot: JSON.parse(text) as FleetSnapshot, bytes: Buffer.byteLength(text) } };
  }

  /** `GET /admin/fleet`: the fleet page's HTML (its size in bytes). */
  async fleetPage(): Promise<Timed<number>> {
    const { ms, text } = await this.send('GET', '/admin/fleet', 'fleet page', {
      authorization: this.dashboardAuth,
    });
    return { ms, value: Buffer.byteLength(text) };
  }

  /** SIGTERM, then SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private async call<T>(method: string, path: string, what: string, body?: unknown): Promise<Timed<T>> {
    const { ms, text } = await this.send(
      method,
      path,
      what,
      {
        authorization: `Bearer ${this.key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body !== undefined ? JSON.stringify(body) : undefined,
    );
    return { ms, value: JSON.parse(text) as T };
  }

  /** One request, timed from the send to the last byte of the answer (parsing it is not counted). */
  private async send(
    method: string,
    path: string,
    what: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ ms: number; text: string }> {
    const started = performance.now();
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.status < 200 || response.status > 299) throw new FleetApiError(what, response.status, text);
    return { ms, text };
  }
}
