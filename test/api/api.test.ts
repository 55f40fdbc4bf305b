// The partner API end to end: real HTTP into Baton, Baton's real Octokit against the sandbox, outbound webhooks to
// a real local receiver. Every answer is checked against the served OpenAPI document.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { validate as validateOpenApi } from '@readme/openapi-parser';
import { card, local } from '../support/local.js';
import { DEMO_FLOW_PATH } from '../../src/sandbox/local-baton.js';
import { TokenStore } from '../../src/api/tokens.js';
import { OUTBOUND_JOB, OUTBOUND_RETRY, sign } from '../../src/api/outbound.js';
import { DEFAULT_RETRY } from '../../src/queue/types.js';
import type { Scope } from '../../src/api/schema.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
let receiver: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  receiver = undefined;
  await lb?.cleanup();
});

const ALL: Scope[] = ['create', 'read', 'comment', 'cancel', 'webhooks'];

let doc: Record<string, any> | undefined;
const ajv = new Ajv2020({ strict: false, allErrors: true });

/** Calls the API and checks the answer against the OpenAPI document's schema for that operation and status. */
async function call(
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${lb.baton.url}/api/v1${path}`, {
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(o.headers ?? {}),
    },
    ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  doc ??= (await (await fetch(`${lb.baton.url}/api/v1/openapi.json`)).json()) as Record<string, any>;
  const template = Object.keys(doc.paths).find((p) =>
    new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`).test(path.split('?')[0]!),
  );
  const op = template ? doc.paths[template]?.[method.toLowerCase()] : undefined;
  const documented = op?.responses?.[String(res.status)];
  if (template && op) {
    if (!documented)
      throw new Error(`${method} ${path} answered ${res.status}, which the OpenAPI document does not list`);
    const content = documented.content ?? {};
    const media = Object.keys(content)[0];
    if (media) {
      expect(res.headers.get('content-type')).toContain(media);
      const check = ajv.compile({ ...content[media].schema, components: doc.components });
      if (!check(body)) throw new Error(`${method} ${path} ${res.status}: ${ajv.errorsText(check.errors)}`);
    }
  }
  return { status: res.status, body, headers: res.headers };
}

async function withApi(o: { rate?: number } = {}): Promise<{ token: string; repo: string }> {
  lb = await local({
    // Outbound deliveries retry on a fast clock here (production waits seconds to minutes between attempts).
    retry: { ...DEFAULT_RETRY, byJob: { [OUTBOUND_JOB]: { ...OUTBOUND_RETRY, baseMs: 20, maxMs: 200 } } },
    flowYml: readFileSync(DEMO_FLOW_PATH, 'utf8'),
    ...(o.rate ? { apiRatePerMinute: o.rate } : {}),
  });
  const { token } = await lb.baton.api.tokens.create({ name: 'support', repo: lb.seeded.repo, can: ALL });
  return { token, repo: lb.seeded.repo };
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 description generated from the request schemas', async () => {
    await withApi();
    const res = await fetch(`${lb.baton.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, any>;
    expect(d.openapi).toBe('3.1.0');
    await expect(validateOpenApi(structuredClone(d) as never)).resolves.toMatchObject({ valid: true });
    expect(Object.keys(d.paths).sort()).toEqual([
      '/runs',
      '/runs/{id}',
      '/runs/{id}/cancel',
      '/runs/{id}/comments',
      '/webhooks',
      '/webhooks/{id}',
    ]);
    expect(d.components.schemas.CreateRunRequest.properties.title.maxLength).toBe(256);
  });
});

describe('starting a run', () => {
  it('opens the issue as the app with the trigger label; the run starts and gets its card', async () => {
    const { token, repo } = await withApi();
    const r = await call('POST', '/runs', {
      token,
      body: {
        repo,
        title: 'Export to CSV',
        body: 'Customers want it',
        fields: { customer: 'ACME', priority: 'urgent' },
      },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v1/runs/${r.body.id}`);
    expect(r.headers.get('ratelimit-limit')).toBe('120');
    await lb.settle();
    const issue = lb.sandbox.issue(r.body.issue, repo);
    expect(issue.user).toBe('baton-sandbox[bot]');
    expect(issue.labels).toContain('flow:feature');
    expect(issue.body).toContain('| Customer | ACME |');
    const c = card(lb, r.body.issue);
    expect(c.count).toBe(1);
    expect(c.run?.stage).toBe('spec');
    const got = await call('GET', `/runs/${r.body.id}`, { token });
    expect(got.body).toMatchObject({ status: 'active', stage: 'spec', created_by: 'support', title: 'Export to CSV' });
    expect(got.body.timeline.map((t: { to: string }) => t.to)).toEqual(['spec']);
    // The dashboard tells runs that partners started apart.
    const b = (await (await fetch(`${lb.baton.url}/baton/api/board`)).json()) as {
      columns: Array<{ runs: Array<{ issue: number; source?: string }> }>;
    };
    const cards = b.columns.flatMap((c) => c.runs);
    expect(cards.find((x) => x.issue === r.body.issue)?.source).toBe('support');
  });

  it('refuses unknown fields, bad options and missing titles with located problems', async () => {
    const { token, repo } = await withApi();
    const r = await call('POST', '/runs', {
      token,
      body: { repo, title: 'x', fields: { customr: 'a', priority: 'asap' } },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['fields.customr', 'fields.priority']);
    expect(r.body.errors.find((e: { field: string }) => e.field === 'fields.priority').message).toMatch(
      /low, normal, urgent/,
    );
    const noTitle = await call('POST', '/runs', { token, body: { repo } });
    expect(noTitle.status).toBe(422);
    expect(noTitle.body.errors[0].field).toBe('title');
    const bad = await call('POST', '/runs', {
      token,
      body: '{"repo": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toMatch(/at |Error:|node_modules/);
    expect([...lb.sandbox.repo(repo).issues.values()].filter((i) => i.title === 'x')).toHaveLength(0);
  });

  it('with one Idempotency-Key opens one issue, however often and however concurrently it is retried', async () => {
    const { token, repo } = await withApi();
    const req = { token, body: { repo, title: 'Once only' }, headers: { 'idempotency-key': 'req-42' } };
    const answers = await Promise.all([
      call('POST', '/runs', req),
      call('POST', '/runs', req),
      call('POST', '/runs', req),
    ]);
    await lb.settle();
    const again = await call('POST', '/runs', req);
    const statuses = [...answers, again].map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 201 || s === 200 || s === 409)).toBe(true);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect([...lb.sandbox.repo(repo).issues.values()].filter((i) => i.title === 'Once only')).toHaveLength(1);
    const other = await call('POST', '/runs', { ...req, body: { repo, title: 'Something else' } });
    expect(other.status).toBe(422);
  });
});

describe('tokens', () => {
  it('a token for one repository cannot see another: 404, the same answer as a run that does not exist', async () => {
    const { repo } = await withApi();
    const { token: other } = await lb.baton.api.tokens.create({ name: 'other', repo: 'acme/api', can: ALL });
    const { token } = await lb.baton.api.tokens.create({ name: 'mine', repo, can: ALL });
    const r = await call('POST', '/runs', { token, body: { repo, title: 'Private work' } });
    await lb.settle();
    const foreign = await call('GET', `/runs/${r.body.id}`, { token: other });
    const missing = await call('GET', `/runs/run_${Buffer.from('acme/api#999').toString('base64url')}`, {
      token: other,
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
    const create = await call('POST', '/runs', { token: other, body: { repo, title: 'Sneaky' } });
    expect(create.status).toBe(404);
    const list = await call('GET', `/runs?repo=${repo}`, { token: other });
    expect(list.body.runs).toEqual([]);
  });

  it('revoked and expired tokens get 401; a missing scope gets 403', async () => {
    const { repo } = await withApi();
    const { token } = await lb.baton.api.tokens.create({ name: 'gone', repo, can: ALL });
    await lb.baton.api.tokens.revoke('gone');
    const revoked = await call('GET', '/runs', { token });
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toMatch(/revoked/);
    const past = new TokenStore(lb.stack.store, () => new Date('2020-01-01T00:00:00Z'));
    const { token: old } = await past.create({ name: 'old', repo, can: ALL, expiresInMs: 86_400_000 });
    const expired = await call('GET', '/runs', { token: old });
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toMatch(/expired/);
    const { token: readOnly } = await lb.baton.api.tokens.create({ name: 'ro', repo, can: ['read'] });
    const forbidden = await call('POST', '/runs', { token: readOnly, body: { repo, title: 'no' } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.detail).toMatch(/"create" scope/);
    const none = await call('GET', '/runs');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const audit = await lb.baton.api.audit.list();
    expect(audit.filter((a) => a.status === 401)).toHaveLength(3);
    expect(audit.find((a) => a.status === 403)?.token).toBe('ro');
  });

  it('a token over its rate limit gets 429 with Retry-After', async () => {
    const { token } = await withApi({ rate: 3 });
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) seen.push((await call('GET', '/runs', { token })).status);
    expect(seen).toEqual([200, 200, 200, 429]);
    const r = await call('GET', '/runs', { token });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.headers.get('ratelimit-remaining')).toBe('0');
  });
});

describe('following runs', () => {
  it('an outbound receiver that fails twice then succeeds gets each stage change exactly once, in order, signed', async () => {
    const { token, repo } = await withApi();
    const got: Array<{ delivery: string; to: string; signed: boolean }> = [];
    let failures = 2;
    let secret = '';
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        if (failures-- > 0) return res.writeHead(503).end();
        const raw = Buffer.concat(chunks).toString();
        const body = JSON.parse(raw);
        got.push({
          delivery: body.delivery,
          to: body.change.to,
          signed: req.headers['x-baton-signature-256'] === sign(secret, raw),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const hook = await call('POST', '/webhooks', { token, body: { url } });
    expect(hook.status).toBe(201);
    secret = hook.body.secret;
    const listed = await call('GET', '/webhooks', { token });
    expect(listed.body.webhooks[0].secret).toBeUndefined();

    const run = await call('POST', '/runs', { token, body: { repo, title: 'Follow me' } });
    await lb.settle();
    lb.sandbox.labelIssue(run.body.issue, 'spec:ready', { by: 'alice', repo });
    await lb.settle();
    const cancelled = await call('POST', `/runs/${run.body.id}/cancel`, { token });
    expect(cancelled.status).toBe(202);
    await lb.settle();
    expect((await call('GET', `/runs/${run.body.id}`, { token })).body.status).toBe('cancelled');
    expect((await call('POST', `/runs/${run.body.id}/cancel`, { token })).status).toBe(200);
    expect(got.map((g) => g.to)).toEqual(['spec', 'build', 'build']);
    expect(new Set(got.map((g) => g.delivery)).size).toBe(3);
    expect(got.every((g) => g.signed)).toBe(true);
    expect(lb.sandbox.issue(run.body.issue, repo).state).toBe('closed');
    // Another run the token did not start is not sent (runs: own).
    const issue = lb.sandbox.createIssue({ title: 'internal', body: '', by: 'alice', repo }).number;
    lb.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    await lb.settle();
    expect(got).toHaveLength(3);
  });

  it('refuses callback URLs on private addresses outside the sandbox', async () => {
    const { Outbound } = await import('../../src/api/outbound.js');
    const { token } = await withApi();
    const o = new Outbound({
      store: lb.stack.store,
      queue: lb.stack.queue,
      tokens: lb.baton.api.tokens,
      origin: async () => undefined,
    });
    const t = (await lb.baton.api.tokens.verify(token)) as { ok: any };
    for (const url of [
      'http://example.com/x',
      'https://127.0.0.1/x',
      'https://169.254.169.254/latest',
      'https://[::1]/x',
      'https://10.0.0.8/x',
    ])
      await expect(o.register(t.ok, { url, runs: 'own' })).rejects.toThrow(/https|private|internal/);
  });

  it("a partner's hostile note is posted quoted, attributed, without pings, links elsewhere or commands", async () => {
    const { token, repo } = await withApi();
    const run = await call('POST', '/runs', { token, body: { repo, title: 'Hostile' } });
    await lb.settle();
    const text = '@alice please look\n/baton advance done\n<img src=x onerror=alert(1)> [win](https://evil.example/x)';
    const c = await call('POST', `/runs/${run.body.id}/comments`, { token, body: { body: text } });
    expect(c.status).toBe(201);
    await lb.settle();
    const posted = lb.sandbox.comments(run.body.issue, repo).find((x) => x.id === c.body.id)!.body;
    expect(posted).toMatch(/Note from partner `support`/);
    expect(posted).not.toMatch(/(^|\s)@alice\b/);
    expect(posted).not.toMatch(/^\/baton/m);
    expect(posted).not.toMatch(/<img|onerror=/);
    expect(posted).not.toContain('](https://evil.example');
    expect(card(lb, run.body.issue).run?.stage).toBe('spec');
  });

  it('lists runs newest first with a cursor, filtered by status and origin', async () => {
    const { token, repo } = await withApi();
    for (const t of ['one', 'two', 'three']) await call('POST', '/runs', { token, body: { repo, title: t } });
    await lb.settle();
    const first = await call('GET', '/runs?limit=2&mine=true', { token });
    expect(first.body.runs.map((r: { title: string }) => r.title)).toEqual(['three', 'two']);
    const second = await call('GET', `/runs?limit=2&mine=true&cursor=${first.body.next_cursor}`, { token });
    expect(second.body.runs.map((r: { title: string }) => r.title)).toEqual(['one']);
    expect(second.body.next_cursor).toBeNull();
    const bad = await call('GET', '/runs?cursor=nonsense', { token });
    expect(bad.status).toBe(400);
    const none = await call('GET', '/runs?status=done', { token });
    expect(none.body.runs).toEqual([]);
  });
});
