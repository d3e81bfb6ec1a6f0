import type { Logger } from '../log/logger.js';
import type { Part } from './part.js';
import { PartCloseError } from './resource.js';

/** A stop was asked for while the process was starting: what had started was closed again. */
export class StartAbortedError extends Error {
  readonly code = 'start_aborted';
  constructor(readonly before: string) {
    super(`start-up stopped before '${before}'`);
    this.name = 'StartAbortedError';
  }
}

/**
 * One process: an ordered list of parts. `start` starts them in order; `close` closes every part that
 * began to start, once, in reverse order, each on its own (one failing never skips the rest). A part
 * whose start throws is closed with the rest, so a failed start unwinds exactly as a stop does.
 */
export class Runtime {
  private readonly parts: Part[] = [];
  /** Parts whose start began, in order (the one that failed included). */
  private readonly begun: Part[] = [];
  private starting: Promise<void> | undefined;
  private unwinding: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private started = false;
  private stopRequested = false;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Declares the next part; returns it, so later parts can take its value. */
  add<P extends Part>(part: P): P {
    if (this.starting) throw new Error(`part '${part.name}' added after ${this.name} started`);
    if (this.parts.some((p) => p.name === part.name)) throw new Error(`two parts named '${part.name}'`);
    this.parts.push(part);
    return part;
  }

  /** A stop was asked for (signal, `close`): `/readyz` says not ready from now on. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Every part started, none stopping, and each part that can refuse work takes it. */
  ready(): boolean {
    return this.started && !this.stopRequested && this.parts.every((p) => p.ready?.() ?? true);
  }

  /** Every part is alive (a part broken for good, such as a dead job loop, makes `/livez` fail). */
  alive(): boolean {
    return this.parts.every((p) => p.alive?.() ?? true);
  }

  /** Starts every part in order. On a failure (or a stop asked for meanwhile) it unwinds and rejects. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      for (const part of this.parts) {
        if (this.stopRequested) {
          await this.unwind();
          throw new StartAbortedError(part.name);
        }
        this.begun.push(part);
        const since = Date.now();
        try {
          await part.start();
        } catch (error) {
          this.logger.error(
            { process: this.name, part: part.name, err: (error as Error).message },
            'start failed; closing what had started',
          );
          await this.unwind();
          throw error;
        }
        this.logger.debug({ process: this.name, part: part.name, ms: Date.now() - since }, 'part started');
      }
      this.started = true;
    })();
    return this.starting;
  }

  /**
   * Stops the process: no further part starts, a start in flight finishes its current part, then every
   * begun part closes in reverse order. Idempotent; resolves once everything is closed.
   */
  close(): Promise<void> {
    this.stopRequested = true;
    this.closing ??= (async () => {
      await this.starting?.catch(() => {});
      await this.unwind();
    })();
    return this.closing;
  }

  private unwind(): Promise<void> {
    this.unwinding ??= (async () => {
      for (const part of [...this.begun].reverse()) {
        try {
          await part.close();
        } catch (error) {
          const failures =
            error instanceof PartCloseError ? error.failures : [{ step: 'close', error: error as Error }];
          for (const { step, error: cause } of failures) {
            this.logger.error(
              { process: this.name, part: part.name, step, err: cause.message },
              'shutdown step failed',
            );
          }
        }
      }
    })();
    return this.unwinding;
  }
}
