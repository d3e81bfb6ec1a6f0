import type { PageMessage } from '../../shared/bridge.js';

/** Sends one message to the runner. A page opened without a runner (by hand) just logs nothing. */
export function report(message: PageMessage): void {
  const send = window.zbrReport;
  if (!send) return;
  send(message).catch(() => {
    // The runner is gone (context closing): nothing to tell.
  });
}

/** Error text safe to report: the SDK's failure shapes carry a reason and a code, never a token. */
export function describeFailure(error: unknown): { errorCode?: number; reason?: string; errorType?: string } {
  if (error && typeof error === 'object') {
    const e = error as { errorCode?: unknown; reason?: unknown; type?: unknown; message?: unknown };
    return {
      ...(typeof e.errorCode === 'number' ? { errorCode: e.errorCode } : {}),
      ...(typeof e.reason === 'string'
        ? { reason: e.reason.slice(0, 1024) }
        : typeof e.message === 'string'
          ? { reason: e.message.slice(0, 1024) }
          : {}),
      ...(typeof e.type === 'string' ? { errorType: e.type.slice(0, 64) } : {}),
    };
  }
  return { reason: String(error).slice(0, 1024) };
}
