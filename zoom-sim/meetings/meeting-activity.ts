import type { RecordingState } from '../../shared/meeting-events.js';
import { EVERYONE_RECEIVER, type SdkCaption, type SdkChatMessage, type ServerMessage } from '../protocol.js';
import { type ChatEntry, ChatLog } from './chat-log.js';
import type { Participant } from './participant.js';
import { isVisible, ParticipantNotPresentError } from './participant-state.js';

/** The part of a meeting its activity needs: who is in it. */
export interface MeetingRoom {
  /** Everyone others see in the meeting (`in_meeting` or `reconnecting`). */
  visible(): Participant[];
}

/** The SDK's `LiveTranscriptionMessageSource.ASR`: sim captions stand for Zoom's own transcription. */
const CAPTION_SOURCE_ASR = 4;
/** The SDK's `LiveTranscriptionLanguageCode.English`. */
export const CAPTION_LANGUAGE_ENGLISH = 0;

const SDK_RECORDING_STATUS = { started: 'Recording', paused: 'Paused', stopped: 'Stopped' } as const;

export interface CaptionOptions {
  /** The SDK's language code (`LiveTranscriptionLanguageCode`); English by default. */
  language?: number;
  /** An interim line (`false`) is followed by more text under the same `msgId`. */
  done?: boolean;
  msgId?: string;
}

/**
 * What happens in a meeting besides coming and going (docs/contract.md §11): chat, captions, the
 * active speaker and cloud recording, sent to the participants' clients as the SDK's events.
 */
export class MeetingActivity {
  private readonly chatLog = new ChatLog();
  private recordingState: RecordingState = 'stopped';
  private speakers: number[] = [];
  private nextId = 1;

  constructor(private readonly room: MeetingRoom) {}

  get recording(): RecordingState {
    return this.recordingState;
  }

  get activeSpeakers(): number[] {
    return [...this.speakers];
  }

  chatView(): { items: ChatEntry[]; evicted: number } {
    return this.chatLog.view();
  }

  /**
   * `from` says `text` to everyone or to `to` alone; recorded, and delivered to every recipient's
   * client but the sender's own (its `sendChat` resolves with the message instead).
   */
  chat(from: Participant, text: string, to?: Participant): SdkChatMessage {
    requirePresent(from);
    if (to) requirePresent(to);
    const message: SdkChatMessage = {
      id: `sim-chat-${this.nextId++}`,
      message: text,
      sender: { name: from.userName, userId: from.id, ...(from.avatarUrl ? { avatar: from.avatarUrl } : {}) },
      receiver: to ? { name: to.userName, userId: to.id } : { ...EVERYONE_RECEIVER },
      timestamp: Date.now(),
    };
    this.chatLog.add({
      id: message.id,
      at: new Date(message.timestamp).toISOString(),
      from: from.id,
      fromName: from.userName,
      to: to ? to.id : 'everyone',
      text,
    });
    const recipients = to ? [to] : this.room.visible().filter((p) => p !== from);
    for (const p of recipients) p.link?.send({ type: 'chat-on-message', message });
    return message;
  }

  /** A caption line of what `speaker` said, to everyone in the meeting (the speaker included). */
  caption(speaker: Participant, text: string, options: CaptionOptions = {}): SdkCaption {
    requirePresent(speaker);
    const caption: SdkCaption = {
      msgId: options.msgId ?? `sim-caption-${this.nextId++}`,
      userId: speaker.id,
      displayName: speaker.userName,
      ...(speaker.avatarUrl ? { avatar: speaker.avatarUrl } : {}),
      text,
      source: CAPTION_SOURCE_ASR,
      language: options.language ?? CAPTION_LANGUAGE_ENGLISH,
      timestamp: Date.now(),
      done: options.done ?? true,
    };
    this.send({ type: 'caption-message', caption });
    return caption;
  }

  /** Who is speaking now (an empty list: nobody). */
  setActiveSpeakers(speakers: Participant[]): void {
    for (const p of speakers) requirePresent(p);
    this.speakers = speakers.map((p) => p.id);
    this.send({
      type: 'active-speaker',
      speakers: speakers.map((p) => ({ userId: p.id, displayName: p.userName })),
    });
  }

  /** Cloud recording starts, pauses or stops; only a change is announced. */
  setRecording(state: RecordingState): void {
    if (state === this.recordingState) return;
    this.recordingState = state;
    this.send({ type: 'recording-change', status: SDK_RECORDING_STATUS[state] });
  }

  /** A newcomer learns that the meeting is being recorded, as Zoom tells everyone who joins. */
  greet(p: Participant): void {
    if (this.recordingState !== 'stopped') {
      p.link?.send({ type: 'recording-change', status: SDK_RECORDING_STATUS[this.recordingState] });
    }
  }

  private send(message: ServerMessage): void {
    for (const p of this.room.visible()) p.link?.send(message);
  }
}

function requirePresent(p: Participant): void {
  if (!isVisible(p.state)) throw new ParticipantNotPresentError(p.id, p.state);
}
