// The OpenAPI 3.1 document of the partner API, generated from the route table and the zod schemas that validate
// requests (OpenAPI 3.1's schema dialect is JSON Schema 2020-12, which zod emits), served at /api/v1/openapi.json.
import { z } from 'zod';
import { API_PREFIX, StageChangedEvent } from './schema.js';
import { ROUTES } from './routes.js';

type Json = Record<string, unknown>;

/**
 * One schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), its named parts (zod `.meta({ id })`) moved into
 * components so every reference resolves inside the one document.
 */
function collect(s: z.ZodType, io: 'input' | 'output', components: Record<string, Json>): Json {
  const raw = JSON.stringify(z.toJSONSchema(s, { io, target: 'draft-2020-12', unrepresentable: 'any' }));
  const json = JSON.parse(raw.replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
  for (const [k, v] of Object.entries((json.$defs ?? {}) as Record<string, Json>)) components[k] ??= v;
  delete json.$defs;
  delete json.$schema;
  return json;
}

export function openApiDocument(serverUrl = '/'): Json {
  const components: Record<string, Json> = {};
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of ROUTES) {
    const op: Json = {
      operationId: r.operationId,
      summary: r.summary,
      security: [{ bearer: [] }],
      'x-baton-scope': r.scope,
      parameters: [
        ...Object.entries(r.params ?? {}).map(([name, description]) => ({
          name,
          in: 'path',
          required: true,
          description,
          schema: { type: 'string' },
        })),
        ...(r.headers ?? []).map((name) => ({
          name,
          in: 'header',
          required: false,
          description: 'Makes retries safe: the same key never starts a second run.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        })),
        ...Object.entries(
          ((r.query ? collect(r.query, 'input', components) : {}) as { properties?: Record<string, Json> })
            .properties ?? {},
        ).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
      ],
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, resp]) => [
          status,
          {
            description: resp.description,
            ...(resp.schema
              ? {
                  content: {
                    [Number(status) >= 400 ? 'application/problem+json' : 'application/json']: {
                      schema: collect(resp.schema, 'output', components),
                    },
                  },
                }
              : {}),
          },
        ]),
      ),
    };
    if (r.body)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: collect(r.body, 'input', components) } },
      };
    if (!(op.parameters as unknown[]).length) delete op.parameters;
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  collect(StageChangedEvent, 'output', components);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baton partner API',
      version: '1.0.0',
      description:
        'Start and follow Baton runs without access to the repository. Authenticate with `Authorization: Bearer <token>` (`baton tokens create`). Errors are RFC 9457 problem details. Outbound webhooks (`StageChangedEvent`) are signed with `X-Baton-Signature-256: sha256=<HMAC-SHA256 of the body with the webhook secret>`.',
    },
    servers: [{ url: `${serverUrl.replace(/\/$/, '')}${API_PREFIX}` }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}
