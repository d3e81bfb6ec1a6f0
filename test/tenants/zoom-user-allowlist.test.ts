import { describe, expect, it } from 'vitest';
import {
  ZoomUserAllowlist,
  zoomUserPatternSchema,
  zoomUserToCheck,
} from '../../runner/tenants/zoom-user-allowlist.js';

/** docs/contract.md §10: which Zoom users a tenant's key may name. */
describe('Zoom user allowlist', () => {
  const list = new ZoomUserAllowlist(['*@Acme.test', 'ann@partner.test', 'KDcuGIm1QgePTO8WbOqwIQ']);

  it('matches emails and domains case-insensitively, ids exactly', () => {
    for (const user of ['bob@acme.test', 'BOB@ACME.TEST', 'Ann@Partner.test', 'KDcuGIm1QgePTO8WbOqwIQ']) {
      expect(list.allows(user), user).toBe(true);
    }
    for (const user of [
      'kdcugim1qgepto8wboqwiq',
      'bob@partner.test',
      'bob@sub.acme.test',
      'bob@acme.test.evil',
      'eve@evil.test bob@acme.test',
      'bob@evil@acme.test',
      '@acme.test',
      'acme.test',
    ]) {
      expect(list.allows(user), user).toBe(false);
    }
  });

  it("'*' allows anyone; an empty list nobody", () => {
    expect(new ZoomUserAllowlist(['*']).allows('anyone@anywhere.test')).toBe(true);
    expect(ZoomUserAllowlist.none.allows('bob@acme.test')).toBe(false);
  });

  it('checks the named zak user and the OBF authoriser, never the service user, the pool, none or callback', () => {
    expect(zoomUserToCheck({ type: 'zak', user: 'bob@acme.test' })).toBe('bob@acme.test');
    expect(zoomUserToCheck({ type: 'obf', user: 'pool' })).toBe('pool');
    expect(zoomUserToCheck({ type: 'zak' })).toBeUndefined();
    expect(zoomUserToCheck({ type: 'zak', user: 'pool' })).toBeUndefined();
    expect(zoomUserToCheck({ type: 'none' })).toBeUndefined();
    expect(zoomUserToCheck({ type: 'callback', url: 'https://hooks.example.com/t' })).toBeUndefined();
  });

  it('refuses patterns that could not mean one user or one domain', () => {
    for (const ok of ['*', '*@acme.test', 'ann@acme.test', 'U123'])
      expect(zoomUserPatternSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['', '*@', '*acme.test', 'a*@acme.test', 'a b@acme.test', 'a@b@c', 'x,y', '**']) {
      expect(zoomUserPatternSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
