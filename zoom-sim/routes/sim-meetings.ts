import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { meetingNumberSchema } from '../../shared/meeting-number.js';
import { DuplicateMeetingError } from '../meetings/meeting-registry.js';
import type { SimContext } from '../sim-context.js';
import { avatarUrl } from './avatars.js';
import { limitBody, readJson } from './json-body.js';
import {
  conflict,
  meetingFrom as findMeeting,
  participantFrom as findParticipant,
  guarded,
} from './meeting-lookup.js';
import { LARGE_BODY_ROUTE } from './sim-meeting-activity.js';

/** Zoom's passcodes are at most 10 characters; the sim allows a little more for odd tests. */
const createMeetingBody = z.strictObject({
  number: z
    .union([z.string(), z.number().int().nonnegative().transform(String)])
    .pipe(meetingNumberSchema)
    .optional(),
  passcode: z.string().min(1).max(32).optional(),
  requireAuth: z.boolean().default(false),
  waitingRoom: z.boolean().default(false),
  /** Started unless a test wants to see the bot wait for the host. */
  started: z.boolean().default(true),
  capacity: z.number().int().min(1).max(100_000).optional(),
  locked: z.boolean().default(false),
  hostUserId: z.string().min(1).max(256).optional(),
});

const humanBody = z.strictObject({
  userName: z.string().trim().min(1).max(64),
  userId: z.string().min(1).max(256).optional(),
});

const lockBody = z.strictObject({ locked: z.boolean().default(true) });

/** `forMs` up to 10 minutes: longer than any reconnect grace the runner uses. */
const dropBody = z
  .strictObject({
    forMs: z.number().int().min(0).max(600_000).optional(),
    recover: z.boolean().optional(),
  })
  .refine((body) => body.recover === undefined || body.forMs !== undefined, {
    message: 'recover needs forMs.',
    path: ['recover'],
  });

/** The control API of meetings (docs/contract.md §8, the zoom-sim issue's table). Open, like every `/_sim` route. */
export function registerSimMeetingRoutes(app: Hono, context: SimContext): void {
  const avatarOf = (userId: string) => avatarUrl(context, userId);
  const meetingFrom = (c: Context) => findMeeting(context, c);
  const participantFrom = (c: Context) => findParticipant(context, c);

  // Captions set their own, larger limit (sim-meeting-activity.ts): a hostile test sends a megabyte.
  const jsonLimit = limitBody();
  app.use('/_sim/meetings/*', (c, next) => (LARGE_BODY_ROUTE.test(c.req.path) ? next() : jsonLimit(c, next)));
  app.use('/_sim/meetings', limitBody());

  app.post('/_sim/meetings', async (c) => {
    const body = await readJson(c, createMeetingBody);
    // The host may be named by email; the meeting keeps the account's id so joins match it.
    const hostUserId =
      body.hostUserId !== undefined ? (context.users.get(body.hostUserId)?.id ?? body.hostUserId) : undefined;
    try {
      const meeting = context.meetings.create({ ...body, hostUserId });
      return c.json(meeting.view(), 201);
    } catch (error) {
      if (error instanceof DuplicateMeetingError) throw conflict(error.message);
      throw error;
    }
  });

  app.get('/_sim/meetings/:number', (c) => c.json(meetingFrom(c).view()));

  app.post('/_sim/meetings/:number/start', (c) => {
    const meeting = meetingFrom(c);
    if (meeting.ended) throw conflict(`Meeting ${meeting.number} has ended.`);
    meeting.start();
    return c.json(meeting.view());
  });

  app.post('/_sim/meetings/:number/end', (c) => {
    const meeting = meetingFrom(c);
    meeting.end();
    return c.json(meeting.view());
  });

  app.post('/_sim/meetings/:number/lock', async (c) => {
    const meeting = meetingFrom(c);
    const body = await readJson(c, lockBody);
    meeting.lock(body.locked);
    return c.json(meeting.view());
  });

  app.post('/_sim/meetings/:number/humans', async (c) => {
    const meeting = meetingFrom(c);
    const body = await readJson(c, humanBody);
    if (meeting.ended) throw conflict(`Meeting ${meeting.number} has ended.`);
    const human = context.meetings.addHuman(meeting, body, avatarOf);
    return c.json({ id: human.id }, 201);
  });

  app.post('/_sim/meetings/:number/participants/:id/admit', (c) => {
    const { meeting, participant } = participantFrom(c);
    guarded(() => meeting.admit(participant));
    return c.json(participant.view());
  });

  app.post('/_sim/meetings/:number/participants/:id/remove', (c) => {
    const { meeting, participant } = participantFrom(c);
    guarded(() => meeting.remove(participant));
    return c.json(participant.view());
  });

  app.post('/_sim/meetings/:number/participants/:id/leave', (c) => {
    const { meeting, participant } = participantFrom(c);
    guarded(() => meeting.leave(participant));
    return c.json(participant.view());
  });

  app.post('/_sim/meetings/:number/participants/:id/drop', async (c) => {
    const { meeting, participant } = participantFrom(c);
    const body = await readJson(c, dropBody);
    guarded(() => {
      if (body.forMs === undefined) meeting.dropNow(participant);
      else meeting.dropFor(participant, body.forMs, body.recover ?? true);
    });
    return c.json(participant.view());
  });
}
