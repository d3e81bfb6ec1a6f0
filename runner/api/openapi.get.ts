import type { Handler } from 'hono';
import { z } from 'zod';
import { botRequestSchema } from '../../shared/bot-request.js';
import { botEventSchema, botViewSchema } from '../../shared/bot-view.js';
import { errorBodySchema } from '../../shared/error-body.js';
import { listQuerySchema } from '../queue/bot-service.js';

/** Response shapes of the API that have no schema in `shared/` of their own: built from those that do. */
const botListSchema = z.object({ items: z.array(botViewSchema), nextCursor: z.string().optional() });
const botEventsSchema = z.object({ id: z.string(), events: z.array(botEventSchema) });

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

/** The OpenAPI 3.1 document of contract §6; every schema in it is generated from the zod schemas. */
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
            '200': json(ref('BotView'), 'The live bot already holding this dedupeKey'),
            ...errors(400, 401, 409, 413, 422, 500),
          },
        },
        get: {
          summary: 'List bots, newest first',
          parameters: queryParameters(listQuerySchema),
          responses: { '200': json(ref('BotList'), 'A page of bots'), ...errors(401, 422, 500) },
        },
      },
      '/v1/bots/{id}': {
        get: {
          summary: 'One bot',
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
