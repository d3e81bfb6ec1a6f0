import { Writable } from 'node:stream';

/**
 * Where an in-process worker's log lines go: on to stderr, and counted where they say a page could
 * not be warmed. Failures logged after `stopping` are the shutdown closing pages mid-warm, not the
 * pool failing under load, and are not counted.
 */
export class WorkerLog extends Writable {
  warmFailures = 0;
  stopping = false;

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    const line = String(chunk);
    if (!this.stopping && line.includes('"msg":"could not warm a page"')) this.warmFailures += 1;
    process.stderr.write(line, () => done());
  }
}
