import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { describe, expect, it, onTestFinished } from 'vitest';
import { residentBytes } from '../../runner/metrics/chromium-memory.js';
import { registerMetricsRoute } from '../../runner/metrics/metrics-route.js';
import { RecordingRecorder } from '../../runner/metrics/recording-recorder.js';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import { ZoomHttp } from '../../runner/zoom/zoom-http.js';

describe('/metrics', () => {
  it('serves the Prometheus text format with bots by state, ends, Zoom calls and Chromium memory', async () => {
    const metrics = new RunnerMetrics();
    const recorder = new RecordingRecorder({ record: async () => {} }, metrics);
    await recorder.record('a', { state: 'minting' });
    await recorder.record('a', { state: 'joining' });
    await recorder.record('a', { state: 'in_meeting' });
    await recorder.record('b', { state: 'ended', endReason: 'kicked' });
    metrics.countZoomCall('zak', 200);
    metrics.countZoomCall('zak', 429);
    metrics.sampleOnScrape(async () => metrics.chromiumMemoryBytes.set(await residentBytes([process.pid])));
    metrics.sampleOnScrape(() => Promise.reject(new Error('a failing sampler does not fail the scrape')));
    const app = new Hono();
    registerMetricsRoute(app, metrics);

    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('zbr_bots{state="in_meeting"} 1');
    expect(text).toContain('zbr_bots{state="queued"} 0');
    expect(text).toContain('zbr_bot_ends_total{reason="kicked"} 1');
    expect(text).toContain('zbr_zoom_api_calls_total{operation="zak",status="429"} 1');
    expect(text).toContain('zbr_zoom_api_rate_limited_total{operation="zak"} 1');
    expect(text).toContain('zbr_join_seconds_count 1');
    expect(text).toMatch(/^zbr_process_\w*resident_memory_bytes /m);
    const chromium = /^zbr_chromium_memory_bytes (\d+)$/m.exec(text)?.[1];
    expect(Number(chromium)).toBeGreaterThan(1024 * 1024);
  });

  it('residentBytes sums VmRSS and counts a vanished process as 0', async () => {
    const self = await residentBytes([process.pid]);
    expect(self).toBeGreaterThan(0);
    // PIDs above the kernel's pid_max (4194304 at most) never exist.
    expect(await residentBytes([2 ** 22 + 7])).toBe(0);
    expect(await residentBytes([])).toBe(0);
  });

  it('ZoomHttp reports every exchange to onCall, 429s and retried 5xx included', async () => {
    const statuses = [503, 200, 429];
    const server = createServer((_req, res) => {
      res.writeHead(statuses.shift() ?? 500, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/x`);
    const metrics = new RunnerMetrics();
    const http = new ZoomHttp({ backoffMs: 1, onCall: (op, status) => metrics.countZoomCall(op, status) });
    expect((await http.send({ method: 'GET', url, operation: 'users.zak' })).status).toBe(200);
    expect((await http.send({ method: 'GET', url, operation: 'users.zak' })).status).toBe(429);
    const text = await metrics.text();
    for (const status of [503, 200, 429])
      expect(text).toContain(`zbr_zoom_api_calls_total{operation="users.zak",status="${status}"} 1`);
    expect(text).toContain('zbr_zoom_api_rate_limited_total{operation="users.zak"} 1');
  });
});
