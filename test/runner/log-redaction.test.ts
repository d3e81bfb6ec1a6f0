import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../runner/log/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('logger', () => {
  it('redacts secret fields at any depth up to three levels', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        zak: 'ZAK-SECRET',
        join: { signature: 'SIG-SECRET', password: 'PASS-SECRET', userName: 'Visible Bot' },
        request: { headers: { authorization: 'Bearer ACCESS-SECRET' } },
        a: { b: { c: { obfToken: 'OBF-SECRET' } } },
      },
      'joining',
    );
    const text = lines.join('');
    for (const secret of ['ZAK-SECRET', 'SIG-SECRET', 'PASS-SECRET', 'ACCESS-SECRET', 'OBF-SECRET']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('Visible Bot');
    expect(text).toContain('[redacted]');
  });
});
