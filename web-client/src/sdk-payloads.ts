import type { PageMeetingEventInput } from '../../shared/bridge.js';
import {
  CAPTION_TEXT_MAX,
  CHAT_TEXT_MAX,
  clamp,
  LANGUAGE_MAX,
  NAME_MAX,
  SPEAKERS_MAX,
  stripNameControls,
  stripTextControls,
} from '../../shared/meeting-event-bounds.js';
import type { RecordingState } from '../../shared/meeting-events.js';
import type { DropTally } from './drop-tally.js';

/**
 * The SDK's chat, caption, speaker and recording payloads (`@zoom/meetingsdk/embedded` typings) as
 * the contract's meeting events (docs/contract.md §11). Pure, and defensive: a payload is whatever the
 * SDK (or a hostile meeting through it) handed over; what cannot be read is counted as `malformed`.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A participant id: the SDK's `userId`, a non-negative safe integer. */
export function participantIdOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** A display name as reported: cleaned and cut (`NAME_MAX`), a cut counted. */
export function reportedName(raw: unknown, tally: DropTally): string {
  const { text, truncated } = clamp(typeof raw === 'string' ? raw : '', NAME_MAX, stripNameControls);
  if (truncated) tally.truncate();
  return text;
}

/** `ChatRecord.message` may be a list of lines; never join more than the clamp will look at. */
function chatTextOf(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (!Array.isArray(message)) return undefined;
  let text = '';
  for (const part of message) {
    if (typeof part !== 'string') continue;
    text = text === '' ? part : `${text}\n${part}`;
    if (text.length > CHAT_TEXT_MAX * 2) break;
  }
  return text;
}

/**
 * `chat-on-message` (`ChatMessage | ChatRecord`) as `chat.received`. The bot's own messages come back
 * as `chat.sent` from `sendChat`, so an echo of one is skipped; so is a message without text (a file).
 */
export function chatReceived(
  payload: unknown,
  selfId: number | undefined,
  tally: DropTally,
): PageMeetingEventInput | undefined {
  const sender = isRecord(payload) && isRecord(payload.sender) ? payload.sender : undefined;
  const fromId = participantIdOf(sender?.userId);
  const raw = isRecord(payload) ? chatTextOf(payload.message) : undefined;
  if (!sender || fromId === undefined || raw === undefined) {
    tally.drop('malformed');
    return undefined;
  }
  if (fromId === selfId) return undefined;
  const { text, truncated } = clamp(raw, CHAT_TEXT_MAX, stripTextControls);
  if (text === '') return undefined;
  if (truncated) tally.truncate();
  const receiver = isRecord(payload) && isRecord(payload.receiver) ? payload.receiver : undefined;
  const toMe = selfId !== undefined && participantIdOf(receiver?.userId) === selfId;
  return {
    type: 'chat.received',
    data: {
      from: { participantId: fromId, name: reportedName(sender.name, tally) },
      to: toMe ? 'me' : 'everyone',
      text,
      ...(truncated ? { truncated: true as const } : {}),
    },
  };
}

/** The SDK's `LiveTranscriptionLanguageCode` as BCP 47 tags (10 is reserved; 400 and 401 name none). */
const LANGUAGE_TAGS: readonly (string | undefined)[] = [
  'en',
  'zh-Hans',
  'ja',
  'de',
  'fr',
  'ru',
  'pt',
  'es',
  'ko',
  'it',
  undefined,
  'vi',
  'nl',
  'uk',
  'ar',
  'bn',
  'zh-Hant',
  'cs',
  'et',
  'fi',
  'el',
  'he',
  'hi',
  'hu',
  'id',
  'ms',
  'fa',
  'pl',
  'ro',
  'sv',
  'ta',
  'te',
  'tl',
  'tr',
];

export function languageTag(language: unknown): string | undefined {
  if (typeof language === 'number') return LANGUAGE_TAGS[language];
  if (typeof language === 'string' && language.length <= LANGUAGE_MAX && /^[A-Za-z0-9-]+$/.test(language)) {
    return language;
  }
  return undefined;
}

export interface CaptionLine {
  /** The SDK's `msgId`: interim lines (`done: false`) are updated under the same id. */
  msgId: string;
  done: boolean;
  event: PageMeetingEventInput;
}

/** `caption-message` as a `caption` event, its text cut to `CAPTION_TEXT_MAX`. */
export function captionLine(payload: unknown, tally: DropTally): CaptionLine | undefined {
  const participantId = isRecord(payload) ? participantIdOf(payload.userId) : undefined;
  if (!isRecord(payload) || participantId === undefined || typeof payload.text !== 'string') {
    tally.drop('malformed');
    return undefined;
  }
  const { text, truncated } = clamp(payload.text, CAPTION_TEXT_MAX, stripTextControls);
  if (text === '') return undefined;
  if (truncated) tally.truncate();
  const language = languageTag(payload.language);
  return {
    msgId: typeof payload.msgId === 'string' ? payload.msgId.slice(0, 128) : '',
    // An SDK that never says `done` sends final lines only.
    done: payload.done !== false,
    event: {
      type: 'caption',
      data: {
        participantId,
        name: reportedName(payload.displayName, tally),
        text,
        ...(language !== undefined ? { language } : {}),
        ...(truncated ? { truncated: true as const } : {}),
      },
    },
  };
}

/** `active-speaker` (`ActiveSpeaker[]`) as a list of distinct participant ids, loudest first. */
export function speakerIds(payload: unknown, tally: DropTally): number[] | undefined {
  if (!Array.isArray(payload)) {
    tally.drop('malformed');
    return undefined;
  }
  const ids: number[] = [];
  // A hostile list of a million entries is read only as far as it could matter.
  for (const speaker of payload.slice(0, SPEAKERS_MAX * 10)) {
    const id = isRecord(speaker) ? participantIdOf(speaker.userId) : undefined;
    if (id === undefined || ids.includes(id)) continue;
    if (ids.length === SPEAKERS_MAX) {
      tally.truncate();
      break;
    }
    ids.push(id);
  }
  return ids;
}

/** `recording-change` (`RecordingStatus`: `'Recording' | 'Paused' | 'Stopped'`) as the contract's state. */
export function recordingState(payload: unknown, tally: DropTally): RecordingState | undefined {
  const status = typeof payload === 'string' ? payload.toLowerCase() : undefined;
  if (status === 'recording') return 'started';
  if (status === 'paused') return 'paused';
  if (status === 'stopped') return 'stopped';
  tally.drop('malformed');
  return undefined;
}
