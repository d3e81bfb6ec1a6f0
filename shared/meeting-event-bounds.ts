/**
 * Bounds on what a meeting can make a bot report (docs/contract.md §11), shared by the page, which
 * cuts and cleans before it reports, and the bridge schemas, which refuse anything beyond them. No zod
 * here: the page imports this module, and the page carries no schema library.
 */

/** Chat text, both ways: `POST /v1/bots/:id/chat` accepts 1–1024 characters; longer received text is cut. */
export const CHAT_TEXT_MAX = 1024;
/** One caption line. ASR sentences are far shorter; a hostile meeting may send a megabyte. */
export const CAPTION_TEXT_MAX = 4096;
/** A participant's display name (Zoom allows 64; a hostile client may send more). */
export const NAME_MAX = 256;
/** Zoom caps `customerKey` at 36 characters. */
export const CUSTOMER_KEY_MAX = 36;
/** A BCP 47 tag such as `zh-Hant`. */
export const LANGUAGE_MAX = 35;
/** Active speakers in one `speaker.changed`: Zoom shows a handful; more is noise or an attack. */
export const SPEAKERS_MAX = 100;
/** Events in one page report: a 500-person meeting's first `user-added` needs only a few reports. */
export const EVENTS_PER_REPORT_MAX = 500;
/** The runner's request id for a `sendChat` (a UUID fits). */
export const CHAT_REQUEST_ID_MAX = 64;

/** What the page counts when it drops events instead of reporting them (rate bounds, unreadable payloads). */
export const DROP_KINDS = ['participant', 'speaker', 'chat', 'caption', 'recording', 'malformed'] as const;
export type DropKind = (typeof DROP_KINDS)[number];

/*
 * C0 and C1 controls and DEL, plus the bidirectional embedding, override and isolate marks (U+202A–E,
 * U+2066–9) that can make a name or a log line read as something else ("Trojan Source").
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const NAME_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same for text, which keeps tab and line feed (chat messages have lines). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const TEXT_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** A name without control characters; lone surrogates become U+FFFD (they are not valid UTF-8). */
export function stripNameControls(value: string): string {
  return value.toWellFormed().replace(NAME_CONTROLS, '');
}

/** Text without control characters other than tab and line feed (`\r\n` becomes `\n`). */
export function stripTextControls(value: string): string {
  return value.toWellFormed().replace(/\r\n?/g, '\n').replace(TEXT_CONTROLS, '');
}

export interface Clamped {
  text: string;
  /** True when characters beyond `max` were cut off. */
  truncated: boolean;
}

/**
 * `value` cut to at most `max` UTF-16 units, never between the two halves of a surrogate pair. Cuts
 * before cleaning so a megabyte of input costs a slice, not a megabyte of regex work.
 */
export function clamp(value: string, max: number, clean: (s: string) => string): Clamped {
  // Cleaning may remove characters: look a little past max so text that is short once cleaned is
  // not cut early, but never scan an unbounded input.
  const window = value.length > max * 2 ? cut(value, max * 2) : value;
  const cleaned = clean(window);
  const text = cleaned.length > max ? cut(cleaned, max) : cleaned;
  return { text, truncated: window.length < value.length || text.length < cleaned.length };
}

/** The first `n` UTF-16 units, one fewer when the `n`th is the first half of a surrogate pair. */
function cut(value: string, n: number): string {
  const last = value.charCodeAt(n - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}

/** A display name as reported: cleaned, at most `NAME_MAX`. */
export function clampName(value: string): string {
  return clamp(value, NAME_MAX, stripNameControls).text;
}
