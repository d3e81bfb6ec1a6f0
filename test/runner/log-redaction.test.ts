import { describe, expect, it } from 'vitest';
import { captureLogger } from '../helpers/capture-logger.js';

describe('logger', () => {
  it('redacts secret fields at any depth up to three levels', () => {
    const { lines, logger } = captureLogger();
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
