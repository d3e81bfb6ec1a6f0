/**
 * Page liveness timings (docs/contract.md §12), shared by the runner and the page. No zod here: the
 * page imports this module, and the page carries no schema library.
 */

/** The page reports a `beat` this often, from the moment it loads. */
export const BEAT_INTERVAL_MS = 2_000;
/** No beat for this long, or a CDP call unanswered for this long: the page is hung. */
export const HUNG_AFTER_MS = 10_000;
/** The runner touches every open page this often (`zbrBot.touch()`). */
export const TOUCH_INTERVAL_MS = 2_000;
/**
 * A page in (or on its way into) a meeting that has not been touched for this long leaves by itself:
 * its runner is frozen or cut off, and another worker may take the bot over.
 */
export const UNTOUCHED_LEAVE_MS = 7_000;
