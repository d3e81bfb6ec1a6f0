import type { Part, Ref } from './part.js';

/** A part's value was read before the part started: the process declares its parts in the wrong order. */
export class PartNotStartedError extends Error {
  readonly code = 'part_not_started';
  constructor(readonly part: string) {
    super(`part '${part}' was used before it started`);
    this.name = 'PartNotStartedError';
  }
}

/** Registers a cleanup for what `open` has acquired so far; cleanups run last-registered first. */
export type Defer = (name: string, cleanup: () => Promise<unknown> | unknown) => void;

export interface ResourceSpec<T> {
  /**
   * Acquires the part and returns what later parts use. Register each cleanup with `defer` as soon
   * as the thing it releases exists: a throw half-way then releases exactly what was acquired.
   */
  open(defer: Defer): Promise<T> | T;
  ready?(value: T): boolean;
  alive?(value: T): boolean;
}

/** Cleanups of one part that threw; every other cleanup of the part still ran. */
export class PartCloseError extends Error {
  readonly code = 'part_close_failed';
  constructor(
    readonly part: string,
    readonly failures: ReadonlyArray<{ step: string; error: Error }>,
  ) {
    super(`closing '${part}' failed: ${failures.map((f) => `${f.step}: ${f.error.message}`).join('; ')}`);
    this.name = 'PartCloseError';
  }
}

/**
 * A part with a value. Its cleanups run once, in reverse order, each on its own: one that throws does
 * not skip the rest, and `close` rejects afterwards with a `PartCloseError` naming every failed step.
 */
export class Resource<T> implements Part, Ref<T> {
  private current: { value: T } | undefined;
  private readonly cleanups: Array<readonly [string, () => Promise<unknown> | unknown]> = [];
  private closing: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly spec: ResourceSpec<T>,
  ) {}

  get value(): T {
    if (!this.current) throw new PartNotStartedError(this.name);
    return this.current.value;
  }

  async start(): Promise<void> {
    if (this.closing) throw new Error(`part '${this.name}' is closed`);
    const value = await this.spec.open((step, cleanup) => {
      this.cleanups.push([step, cleanup]);
    });
    this.current = { value };
  }

  ready(): boolean {
    if (!this.current) return false;
    return this.spec.ready?.(this.current.value) ?? true;
  }

  alive(): boolean {
    if (!this.current) return true;
    return this.spec.alive?.(this.current.value) ?? true;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const failures: Array<{ step: string; error: Error }> = [];
      for (const [step, cleanup] of this.cleanups.splice(0).reverse()) {
        try {
          await cleanup();
        } catch (error) {
          failures.push({ step, error: error instanceof Error ? error : new Error(String(error)) });
        }
      }
      if (failures.length > 0) throw new PartCloseError(this.name, failures);
    })();
    return this.closing;
  }
}

/** Declares a part with a value; see `ResourceSpec`. */
export function resource<T>(name: string, spec: ResourceSpec<T> | ResourceSpec<T>['open']): Resource<T> {
  return new Resource(name, typeof spec === 'function' ? { open: spec } : spec);
}
