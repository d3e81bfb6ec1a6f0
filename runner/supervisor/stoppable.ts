export const STOPPED = Symbol('stopped');

/**
 * `work`, or `STOPPED` as soon as `signal` aborts: a leave must not wait for a slow mint or page. A
 * result that arrives after that goes to `discard` (a late page must still be closed).
 */
export async function untilStopped<T>(
  signal: AbortSignal,
  work: Promise<T>,
  discard?: (late: T) => void,
): Promise<T | typeof STOPPED> {
  let onStop: (() => void) | undefined;
  const stopped = new Promise<typeof STOPPED>((resolve) => {
    onStop = () => resolve(STOPPED);
    if (signal.aborted) onStop();
    else signal.addEventListener('abort', onStop, { once: true });
  });
  try {
    const result = await Promise.race([work, stopped]);
    if (result === STOPPED)
      work.then(
        (late) => discard?.(late),
        () => {},
      );
    return result;
  } finally {
    if (onStop) signal.removeEventListener('abort', onStop);
  }
}
