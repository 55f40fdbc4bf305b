// Contract check against GitHub's OpenAPI description: every request Baton sends while the demo and a strict
// scenario play (its query parameters and JSON body) and every JSON answer the sandbox gives must validate against
// the operation's schemas in @octokit/openapi — not only exist as routes. Undeclared query parameters fail too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { validate as validateGraphql } from '@octokit/graphql-schema';
import { DEMO_SCENARIO_PATH } from '../../src/sandbox/local-baton.js';
import { parseScenario } from '../../src/sandbox/scenario.js';
import { playScenario } from '../../src/sandbox/play.js';
import type { Exchange } from '../../src/sandbox/http-server.js';
import { local } from '../support/local.js';

const require = createRequire(import.meta.url);
type Op = {
  parameters?: Array<{ name: string; in: string; schema?: object } | { $ref: string }>;
  requestBody?: { content?: Record<string, { schema?: object }> };
  responses: Record<string, { content?: Record<string, { schema?: object }> } | { $ref: string }>;
};
const spec = require('@octokit/openapi/generated/api.github.com.json') as {
  paths: Record<string, Record<string, Op>>;
  components: { parameters: Record<string, { name: string; in: string; schema?: object }> };
};

// OpenAPI 3.0 schemas: `nullable` is understood, formats are documentation here, unknown keywords are skipped.
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false, coerceTypes: true });
// Ajv reads `nullable` only next to `type`; elsewhere (a nullable $ref or allOf) it becomes "that, or null".
function nullables(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullables);
  if (!node || typeof node !== 'object') return node;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) o[k] = nullables(v);
  if (o.nullable === true && Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...o.enum, null];
  if (o.nullable === true && o.type === undefined) {
    const { nullable: _n, ...rest } = o;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return o;
}
ajv.addSchema(nullables(spec) as object, 'gh');
const pointer = (...parts: string[]) =>
  `gh#/${parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
function validate(ref: string, data: unknown): string | undefined {
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    validators.set(ref, v);
  }
  if (v(data)) return undefined;
  return ajv.errorsText(v.errors?.slice(0, 2));
}

function check(x: Exchange): string[] {
  // GraphQL documents are held to GitHub's GraphQL schema (fields, arguments, variable types), and answer no errors.
  if (x.route === '/graphql') {
    const doc = (x.body as { query?: string }).query ?? '';
    const errors = (x.response as { errors?: Array<{ message: string }> } | undefined)?.errors ?? [];
    return [
      ...validateGraphql(doc).map((e) => `POST /graphql: ${e.message}`),
      ...errors.map((e) => `POST /graphql answered an error: ${e.message}`),
    ];
  }
  const problems: string[] = [];
  const at = `${x.method} ${x.route}`;
  const op = spec.paths[x.route]?.[x.method.toLowerCase()];
  if (!op) return [`${at}: not in the OpenAPI description`];
  const params = (op.parameters ?? []).map((p) =>
    '$ref' in p ? spec.components.parameters[p.$ref.split('/').pop()!]! : p,
  );
  for (const [name, value] of x.query) {
    const p = params.find((q) => q.in === 'query' && q.name === name);
    if (!p) problems.push(`${at}: undeclared query parameter "${name}"`);
    else {
      const schema = p.schema as { type?: string; enum?: unknown[] } | undefined;
      if (schema?.enum && !schema.enum.includes(value))
        problems.push(`${at}: query ${name}=${value} not one of ${schema.enum.join(', ')}`);
      if (schema?.type === 'integer' && !/^-?\d+$/.test(value))
        problems.push(`${at}: query ${name}=${value} is not an integer`);
    }
  }
  const json = op.requestBody?.content?.['application/json'];
  if (json?.schema && x.body && typeof x.body === 'object' && Object.keys(x.body).length) {
    const err = validate(
      pointer('paths', x.route, x.method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'),
      x.body,
    );
    if (err) problems.push(`${at}: request body: ${err}`);
  }
  if (x.response !== undefined && x.status < 400) {
    const res = op.responses[String(x.status)];
    if (!res) problems.push(`${at}: status ${x.status} not in the description`);
    else if (!('$ref' in res) && res.content?.['application/json']?.schema) {
      const err = validate(
        pointer(
          'paths',
          x.route,
          x.method.toLowerCase(),
          'responses',
          String(x.status),
          'content',
          'application/json',
          'schema',
        ),
        x.response,
      );
      if (err) problems.push(`${at}: ${x.status} answer: ${err}`);
    }
  }
  return problems;
}

test("Baton's requests and the sandbox's answers validate against GitHub's OpenAPI schemas", async () => {
  const lb = await local();
  try {
    const seen: Exchange[] = [];
    lb.sandbox.http.onExchange = (x) => {
      if (x.route) seen.push(x);
    };
    const scenario = parseScenario(readFileSync(DEMO_SCENARIO_PATH, 'utf8'), DEMO_SCENARIO_PATH);
    const r = await playScenario(lb, scenario);
    expect(r.ok).toBe(true);
    const routes = new Set(seen.map((x) => `${x.method} ${x.route}`));
    expect(routes.size).toBeGreaterThan(15);
    expect(routes).toContain('POST /graphql');
    const problems = [...new Set(seen.flatMap(check))];
    expect(problems).toEqual([]);
  } finally {
    await lb.cleanup();
  }
}, 120_000);
