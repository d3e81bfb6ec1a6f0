/** Why a bot page could not do what was asked. `code` is what the supervisor branches on. */
export class BotPageError extends Error {
  constructor(
    readonly code:
      | 'page_not_ready'
      | 'page_origin_mismatch'
      | 'page_init_failed'
      | 'page_closed'
      | 'page_timeout'
      /** The SDK refused a `sendChat` (docs/contract.md §11). */
      | 'chat_failed',
    message: string,
  ) {
    super(message);
    this.name = 'BotPageError';
  }
}
