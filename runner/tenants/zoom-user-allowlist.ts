import { z } from 'zod';
import type { BotAuth } from '../../shared/bot-request.js';

/** One address: no spaces, exactly one `@`, something either side. */
const EMAIL = /^[^\s@*,]+@[^\s@*,]+$/;
/** A Zoom user id (Zoom's are base64-like) or any other name without spaces, `@`, `*` or commas. */
const ID = /^[^\s@*,]+$/;

/**
 * One allowlist entry (docs/contract.md §10): `*` (any user), `*@domain` (any address at that
 * domain), an email, or a user id. Commas separate entries in `--zoom-users` and TENANT_ZOOM_USERS,
 * so no entry holds one.
 */
export const zoomUserPatternSchema = z
  .string()
  .trim()
  .refine(
    (p) => p === '*' || (p.startsWith('*@') && ID.test(p.slice(2))) || EMAIL.test(p) || ID.test(p),
    "must be '*', '*@domain', an email or a user id",
  );

/**
 * The Zoom users a tenant's key may send a bot in as (ZAK) or on behalf of (OBF). Emails and
 * domains match case-insensitively, as Zoom matches emails; ids exactly, as Zoom's ids are
 * case-sensitive. A user named by id is not matched by its email, nor the other way round: the
 * runner does not ask Zoom who a user is before minting.
 */
export class ZoomUserAllowlist {
  /** Trusted producers (the library, the CLI: they hold Redis access anyway). */
  static readonly anyone = new ZoomUserAllowlist(['*']);
  /** Only the service user and the pool. */
  static readonly none = new ZoomUserAllowlist([]);

  private readonly any: boolean;
  private readonly ids = new Set<string>();
  private readonly emails = new Set<string>();
  private readonly domains = new Set<string>();

  /** `patterns` as checked by `zoomUserPatternSchema`; anything else never matches. */
  constructor(readonly patterns: readonly string[]) {
    this.any = patterns.includes('*');
    for (const pattern of patterns) {
      if (pattern.startsWith('*@')) this.domains.add(pattern.slice(2).toLowerCase());
      else if (pattern.includes('@')) this.emails.add(pattern.toLowerCase());
      else this.ids.add(pattern);
    }
  }

  allows(user: string): boolean {
    if (this.any) return true;
    if (!user.includes('@')) return this.ids.has(user);
    if (!EMAIL.test(user)) return false;
    const email = user.toLowerCase();
    return this.emails.has(email) || this.domains.has(email.slice(email.indexOf('@') + 1));
  }
}

/**
 * The Zoom user a request names that an allowlist must allow: a `zak` user other than `pool`
 * (omitted means the service user, `pool` one of the pool's users: both the deployment's own), or the
 * OBF authoriser. `none` joins as nobody; `callback` gets its token from the caller's own service.
 */
export function zoomUserToCheck(auth: BotAuth): string | undefined {
  switch (auth.type) {
    case 'zak':
      return auth.user === undefined || auth.user === 'pool' ? undefined : auth.user;
    case 'obf':
      return auth.user;
    case 'none':
    case 'callback':
      return undefined;
  }
}
