import type { PageMeetingEventInput } from '../../shared/bridge.js';
import type { CaptionLine } from './sdk-payloads.js';

/** An interim line not updated for this long is reported as it stands (its final update may never come). */
export const CAPTION_SETTLE_MS = 1_500;
/** Interim lines held at once: one per speaker is usual; a flood is settled early, oldest first. */
export const CAPTION_PENDING_MAX = 20;

/**
 * Coalesces live-transcription updates: the SDK sends a sentence again and again under one `msgId`
 * while it is spoken (`done: false`), then once more when it is finished. Only the finished line, or
 * the last update of one that went quiet, becomes a `caption` event.
 */
export class CaptionLines {
  private readonly pending = new Map<string, { event: PageMeetingEventInput; at: number }>();

  constructor(private readonly now: () => number) {}

  /** The events ready to report after this line: none while it is still being spoken. */
  push(line: CaptionLine): PageMeetingEventInput[] {
    if (line.done || line.msgId === '') {
      this.pending.delete(line.msgId);
      return [line.event];
    }
    // Re-inserted, so the map's order stays oldest update first.
    this.pending.delete(line.msgId);
    this.pending.set(line.msgId, { event: line.event, at: this.now() });
    const settled: PageMeetingEventInput[] = [];
    for (const [msgId, held] of this.pending) {
      if (this.pending.size <= CAPTION_PENDING_MAX) break;
      this.pending.delete(msgId);
      settled.push(held.event);
    }
    return settled;
  }

  /** Interim lines that went quiet for `CAPTION_SETTLE_MS`. */
  settle(): PageMeetingEventInput[] {
    const now = this.now();
    const settled: PageMeetingEventInput[] = [];
    for (const [msgId, held] of this.pending) {
      if (now - held.at < CAPTION_SETTLE_MS) continue;
      this.pending.delete(msgId);
      settled.push(held.event);
    }
    return settled;
  }

  clear(): void {
    this.pending.clear();
  }
}
