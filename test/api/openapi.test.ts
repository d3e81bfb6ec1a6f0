import { describe, expect, it } from 'vitest';
import { startApi } from './api-fixture.js';

describe('GET /v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document of every route, with the request schema from zod', async () => {
    const api = await startApi();
    const response = await api.call('/v1/openapi.json');
    expect(response.status).toBe(200);
    const document = JSON.parse(await response.text()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/v1/bots',
        '/v1/bots/{id}',
        '/v1/bots/{id}/events',
        '/v1/bots/{id}/meeting-events',
        '/v1/bots/{id}/meeting-events/stream',
        '/v1/bots/{id}/participants',
        '/v1/bots/{id}/chat',
        '/v1/openapi.json',
      ].sort(),
    );
    expect(Object.keys(document.paths['/v1/bots'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/v1/bots/{id}'] ?? {}).sort()).toEqual(['delete', 'get']);
    const request = document.components.schemas.BotRequest;
    expect(request?.required).toEqual(expect.arrayContaining(['meetingNumber', 'displayName', 'auth']));
    expect(Object.keys(request?.properties ?? {})).toEqual(
      expect.arrayContaining([
        'passcode',
        'leave',
        'rejoin',
        'dedupeKey',
        'webhookUrl',
        'metadata',
        'chat',
        'meetingEvents',
      ]),
    );
    expect(document.components.schemas.BotView?.properties).toHaveProperty('events');
    // Every $ref points at a schema that exists.
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)];
    for (const [, name] of refs) expect(document.components.schemas).toHaveProperty(name as string);
  });
});
