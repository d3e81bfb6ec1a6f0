import type { Page } from 'puppeteer-core';

interface TraceFrame {
  frame: string;
  processId: number;
}

interface TraceEvent {
  name?: string;
  args?: { data?: { frames?: TraceFrame[] } };
}

/**
 * The PID of the renderer process serving `page`'s main frame, from Chromium itself: a short trace's
 * `TracingStartedInBrowser` event lists every frame with its process. CDP names no PID otherwise,
 * and guessing among a browser's renderers could freeze the wrong bot. The page must be answering.
 */
export async function rendererPid(page: Page): Promise<number> {
  await page.tracing.start({ categories: ['disabled-by-default-devtools.timeline'] });
  const buffer = await page.tracing.stop();
  const trace = JSON.parse(Buffer.from(buffer ?? new Uint8Array()).toString('utf8')) as {
    traceEvents?: TraceEvent[];
  };
  const frameId = (page.mainFrame() as unknown as { _id: string })._id;
  const frames = trace.traceEvents?.find((e) => e.name === 'TracingStartedInBrowser')?.args?.data?.frames;
  const pid = frames?.find((f) => f.frame === frameId)?.processId;
  if (pid === undefined) throw new Error(`no renderer found for frame ${frameId} in the trace`);
  return pid;
}
