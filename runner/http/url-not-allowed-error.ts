/**
 * An outbound URL (token callback, webhook) refused by `OUTBOUND_URL_ALLOWLIST` or the default policy.
 * `code` and `retryable` match the supervisor's `MintError` port structurally: a token callback that
 * is refused ends its bot `auth_failed` with `url_not_allowed`, like the Zoom errors do.
 */
export class UrlNotAllowedError extends Error {
  readonly code = 'url_not_allowed';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'UrlNotAllowedError';
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}
