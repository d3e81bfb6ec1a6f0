import type { Hono } from 'hono';
import { z } from 'zod';
import { participantRoleSchema, recordingStateSchema } from '../../shared/meeting-events.js';
import type { Meeting } from '../meetings/meeting.js';
import type { Participant } from '../meetings/participant.js';
import type { SimContext } from '../sim-context.js';
import { limitBody, readJson } from './json-body.js';
import { guarded, meetingFrom, participantFrom, participantNotFound } from './meeting-lookup.js';

/**
 * The control API of what happens in a meeting (docs/contract.md §11): chat, captions, active speaker,
 * recording, rename and role. Each reaches the participants' clients as the SDK's events.
 */

/** Captions take a body this large: a hostile-meeting test sends a one-megabyte caption. */
const CAPTION_BODY_MAX_BYTES = 8 * 1024 * 1024;
/** Characters of one caption; more than any real line, enough for a megabyte of hostile text. */
const CAPTION_TEXT_MAX_CHARS = 2 * 1024 * 1024;
/** Characters of one control-API chat message: longer than the bot's 1024, to see the page cut it. */
const SIM_CHAT_TEXT_MAX_CHARS = 16_384;
/** Longer than the page's 256, to see it cut hostile names. */
const SIM_NAME_MAX_CHARS = 1024;
/** The path whose body limit is `CAPTION_BODY_MAX_BYTES` (the meetings routes skip their 64 KiB one). */
export const LARGE_BODY_ROUTE = /^\/_sim\/meetings\/[^/]+\/captions$/;

/** The SDK's `LiveTranscriptionLanguageCode` values (`embedded.d.ts`): 0–33, 400, 401. */
const sdkLanguageCode = z
  .int()
  .refine((n) => (n >= 0 && n <= 33) || n === 400 || n === 401, 'Not a LiveTranscriptionLanguageCode.');

const participantId = z.int().nonnegative();

const chatBody = z.strictObject({
  from: participantId,
  text: z.string().min(1).max(SIM_CHAT_TEXT_MAX_CHARS),
  to: participantId.optional(),
});

const captionBody = z.strictObject({
  participantId,
  text: z.string().min(1).max(CAPTION_TEXT_MAX_CHARS),
  language: sdkLanguageCode.optional(),
  done: z.boolean().optional(),
  msgId: z.string().min(1).max(64).optional(),
});

const speakersBody = z.strictObject({ participantIds: z.array(participantId).max(100) });
const recordingBody = z.strictObject({ state: recordingStateSchema });
/** Control characters allowed: tests send hostile names on purpose. */
const renameBody = z.strictObject({ name: z.string().min(1).max(SIM_NAME_MAX_CHARS) });
const roleBody = z.strictObject({ role: participantRoleSchema });

function member(meeting: Meeting, id: number): Participant {
  const participant = meeting.participant(id);
  if (!participant) throw participantNotFound(id);
  return participant;
}

export function registerSimMeetingActivityRoutes(app: Hono, context: SimContext): void {
  app.use('/_sim/meetings/:number/captions', limitBody(CAPTION_BODY_MAX_BYTES));

  app.post('/_sim/meetings/:number/chat', async (c) => {
    const meeting = meetingFrom(context, c);
    const body = await readJson(c, chatBody);
    const from = member(meeting, body.from);
    const to = body.to !== undefined ? member(meeting, body.to) : undefined;
    const message = guarded(() => meeting.activity.chat(from, body.text, to));
    return c.json(
      {
        id: message.id,
        at: new Date(message.timestamp).toISOString(),
        from: from.id,
        fromName: from.userName,
        to: to ? to.id : 'everyone',
        text: body.text,
      },
      201,
    );
  });

  app.get('/_sim/meetings/:number/chat', (c) => c.json(meetingFrom(context, c).activity.chatView()));

  app.post('/_sim/meetings/:number/captions', async (c) => {
    const meeting = meetingFrom(context, c);
    const body = await readJson(c, captionBody);
    const speaker = member(meeting, body.participantId);
    const { participantId: _id, text, ...options } = body;
    const caption = guarded(() => meeting.activity.caption(speaker, text, options));
    return c.json({ msgId: caption.msgId });
  });

  app.post('/_sim/meetings/:number/active-speaker', async (c) => {
    const meeting = meetingFrom(context, c);
    const body = await readJson(c, speakersBody);
    const speakers = body.participantIds.map((id) => member(meeting, id));
    guarded(() => meeting.activity.setActiveSpeakers(speakers));
    return c.json({ participantIds: meeting.activity.activeSpeakers });
  });

  app.post('/_sim/meetings/:number/recording', async (c) => {
    const meeting = meetingFrom(context, c);
    const body = await readJson(c, recordingBody);
    meeting.activity.setRecording(body.state);
    return c.json({ state: meeting.activity.recording });
  });

  app.post('/_sim/meetings/:number/participants/:id/rename', async (c) => {
    const { meeting, participant } = participantFrom(context, c);
    const body = await readJson(c, renameBody);
    guarded(() => meeting.rename(participant, body.name));
    return c.json(participant.view());
  });

  app.post('/_sim/meetings/:number/participants/:id/role', async (c) => {
    const { meeting, participant } = participantFrom(context, c);
    const body = await readJson(c, roleBody);
    guarded(() => meeting.setRole(participant, body.role));
    return c.json(participant.view());
  });
}
