/**
 * One thing a process runs: a Redis connection, the HTTP server, the bot worker... A `Runtime` starts
 * its parts in order and closes them once, in reverse order.
 */
export interface Part {
  readonly name: string;
  start(): Promise<void>;
  /**
   * Releases what `start` acquired, also after a start that failed half-way. Idempotent: the
   * runtime may call it after a failed start and again on a signal.
   */
  close(): Promise<void>;
  /** For `/readyz`: false while this part cannot take work. Parts that always can omit it. */
  ready?(): boolean;
  /** For `/livez`: false once the part is broken for good (the process should be restarted). */
  alive?(): boolean;
}

/**
 * What one part gives the parts declared after it, read once they start: a connection, a URL, the
 * queue layer. A `Resource` is one; `fixed` makes one from a value known when the process is declared.
 */
export interface Ref<T> {
  readonly value: T;
}

export function fixed<T>(value: T): Ref<T> {
  return { value };
}

/** A value computed from other parts' values when first read after they started (e.g. the mode from the embedded sim's URL). */
export function derived<T>(compute: () => T): Ref<T> {
  return {
    get value() {
      return compute();
    },
  };
}
