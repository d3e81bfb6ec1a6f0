import type { BotPage, BotPageEvent } from '../../runner/supervisor/ports.js';

export interface EventLog {
  readonly events: BotPageEvent[];
  /** Resolves with the first event (already seen or still to come) matching `predicate`. */
  waitFor<T extends BotPageEvent>(predicate: (e: BotPageEvent) => e is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (e: BotPageEvent) => boolean, timeoutMs?: number): Promise<BotPageEvent>;
}

/** Records every event a bot page reports, from now on. */
export function recordEvents(page: BotPage): EventLog {
  const events: BotPageEvent[] = [];
  const waiters = new Set<() => void>();
  page.onEvent((event) => {
    events.push(event);
    for (const wake of waiters) wake();
  });
  return {
    events,
    waitFor(predicate: (e: BotPageEvent) => boolean, timeoutMs = 15_000): Promise<BotPageEvent> {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < events.length; seen++) {
            const event = events[seen] as BotPageEvent;
            if (predicate(event)) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve(event);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching page event within ${timeoutMs} ms; saw ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  } as EventLog;
}
