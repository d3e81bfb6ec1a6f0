import type { Handler } from 'hono';
import { z } from 'zod';
import { botRequestSchema } from '../../shared/bot-request.js';
import { botEventSchema, botViewSchema } from '../../shared/bot-view.js';
import { errorBodySchema } from '../../shared/error-body.js';
import { meetingEventSchema } from '../../shared/meeting-events.js';
import { participantItemSchema } from '../meeting-events/attendance.js';
import { chatBodySchema, meetingEventQuerySchema } from '../meeting-events/meeting-event-service.js';
import { listQuerySchema } from '../queue/bot-service.js';

/** Response shapes of the API that have no schema in `shared/` of their own: built from those that do. */
const botListSchema = z.object({ items: z.array(botViewSchema), nextCursor: z.string().optional() });
const botEventsSchema = z.object({ id: z.string(), events: z.array(botEventSchema) });
const meetingEventPageSchema = z.object({ items: z.array(meetingEventSchema), nextAfter: z.int() });
const participantsSchema = z.object({ items: z.array(participantItemSchema) });
const chatAcceptedSchema = z.object({ requestId: z.string() });

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 from zod (OpenAPI 3.1 takes it as is), without the per-document `$schema`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), json(ref('ErrorBody'), 'Error')]));
/** docs/contract.md §10: the tenant's limits; `rate_limited` says when to try again. */
const tooMany = {
  '429': {
    ...json(ref('ErrorBody'), '`quota_exceeded` (live bots) or `rate_limited` (enqueues per second)'),
    headers: {
      'Retry-After': {
        description: 'With `rate_limited`: seconds until the tenant may enqueue again',
        schema: { type: 'integer', minimum: 1 },
      },
    },
  },
};
/** docs/contract.md §11: one bot's chat rate (CHAT_PER_BOT_PER_MIN). */
const chatTooMany = {
  '429': {
    ...json(
      ref('ErrorBody'),
      '`rate_limited`: the bot was asked for as many messages as it may send this minute',
    ),
    headers: {
      'Retry-After': {
        description: 'Seconds until the bot may be asked again',
        schema: { type: 'integer', minimum: 1 },
      },
    },
  },
};
/** One OpenAPI query parameter per property of a (flat) zod object schema. */
function queryParameters(schema: z.ZodObject): object[] {
  const properties = (jsonSchema(schema, 'input').properties ?? {}) as Record<string, object>;
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', schema: property }));
}

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: jsonSchema(botViewSchema.shape.id, 'output'),
};

/** The OpenAPI 3.1 document of docs/contract.md §6; every schema in it is generated from the zod schemas. */
export function buildOpenApiDocument(): JsonSchema {
  return {
    openapi: '3.1.0',
    info: { title: 'zoom-bot-runner', version: '1' },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      schemas: {
        BotRequest: jsonSchema(botRequestSchema, 'input'),
        BotView: jsonSchema(botViewSchema, 'output'),
        BotList: jsonSchema(botListSchema, 'output'),
        BotEvents: jsonSchema(botEventsSchema, 'output'),
        ErrorBody: jsonSchema(errorBodySchema, 'output'),
        MeetingEvent: jsonSchema(meetingEventSchema, 'output'),
        MeetingEventPage: jsonSchema(meetingEventPageSchema, 'output'),
        Participants: jsonSchema(participantsSchema, 'output'),
        ChatRequest: jsonSchema(chatBodySchema, 'input'),
        ChatAccepted: jsonSchema(chatAcceptedSchema, 'output'),
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/bots': {
        post: {
          summary: 'Add a bot to a meeting',
          requestBody: { required: true, content: { 'application/json': { schema: ref('BotRequest') } } },
          responses: {
            '201': json(ref('BotView'), 'Queued'),
            '200': json(ref('BotView'), "The tenant's live bot already holding this dedupeKey"),
            ...errors(400, 401, 409, 413, 422, 500),
            '403': json(ref('ErrorBody'), '`zoom_user_not_allowed`: auth.user is not on the key’s allowlist'),
            ...tooMany,
          },
        },
        get: {
          summary: "List the key's tenant's bots (an admin key: every tenant's, or `tenant`'s), newest first",
          parameters: queryParameters(listQuerySchema),
          responses: { '200': json(ref('BotList'), 'A page of bots'), ...errors(401, 422, 500) },
        },
      },
      '/v1/bots/{id}': {
        get: {
          summary: "One bot (another tenant's is a 404, as a missing one)",
          parameters: [idParam],
          responses: { '200': json(ref('BotView'), 'The bot'), ...errors(401, 404, 500) },
        },
        delete: {
          summary: 'Make a bot leave',
          parameters: [idParam],
          responses: {
            '202': json(ref('BotView'), 'Leaving, or ended when it had not joined yet'),
            ...errors(401, 404, 500),
          },
        },
      },
      '/v1/bots/{id}/events': {
        get: {
          summary: "A bot's recent state changes",
          parameters: [idParam],
          responses: { '200': json(ref('BotEvents'), 'Events'), ...errors(401, 404, 500) },
        },
      },
      '/v1/bots/{id}/meeting-events': {
        get: {
          summary:
            'What the bot saw in its meeting (docs/contract.md §11): events after `after`, of one type or group',
          parameters: [idParam, ...queryParameters(meetingEventQuerySchema)],
          responses: {
            '200': json(
              ref('MeetingEventPage'),
              'A page of events; pass `nextAfter` as `after` for the next',
            ),
            ...errors(401, 404, 422, 500),
          },
        },
      },
      '/v1/bots/{id}/meeting-events/stream': {
        get: {
          summary:
            'The same, live (Server-Sent Events): `id:` is `seq`, resumable with Last-Event-ID; `event: end` after the bot ended',
          parameters: [
            idParam,
            { name: 'Last-Event-ID', in: 'header', schema: { type: 'string', pattern: '^\\d+$' } },
            { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
          ],
          responses: {
            '200': {
              description:
                'One SSE event per meeting event (data: a MeetingEvent), `: heartbeat` comments; `event: error` (data: an ErrorBody) before the close of a stream whose key was revoked',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errors(401, 404, 422, 500),
            '429': json(
              ref('ErrorBody'),
              '`too_many_streams`: the tenant holds SSE_MAX_PER_TENANT streams open on this api process',
            ),
          },
        },
      },
      '/v1/bots/{id}/participants': {
        get: {
          summary: 'The attendance as the bot saw it, across its rejoins',
          parameters: [idParam],
          responses: { '200': json(ref('Participants'), 'Participants'), ...errors(401, 404, 500) },
        },
      },
      '/v1/bots/{id}/chat': {
        post: {
          summary: 'Say something in the meeting, to everyone or to one participant',
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ChatRequest') } } },
          responses: {
            '202': json(ref('ChatAccepted'), 'Handed to the bot; `chat.sent` follows once the SDK took it'),
            '409': json(ref('ErrorBody'), '`not_in_meeting`: the bot is not in_meeting'),
            ...errors(400, 401, 404, 413, 422, 500),
            ...chatTooMany,
          },
        },
      },
      '/v1/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  };
}

/** `GET /v1/openapi.json`: built once per app, since the schemas do not change at run time. */
export function getOpenApi(): Handler {
  const document = buildOpenApiDocument();
  return (c) => c.json(document);
}
