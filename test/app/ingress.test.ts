// The webhook door: a 2xx only for a verified delivery that is durably recorded; 5xx when it cannot be recorded in
// time (slow upload, stalled store); 413 for bodies over GitHub's cap before they are buffered; 400 with a plain
// reason for signed but malformed bodies; deliveries without an installation acknowledged and ignored.
import { request } from 'node:http';
import { signBody } from '../../src/sandbox/index.js';
import type { Store } from '../../src/store/types.js';
import { openStack } from '../../src/app/stack.js';
import { local } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

interface Answer {
  status: number;
  body: string;
}

/** POST in two parts; `hold` keeps the second part back until the server has answered (a stalled upload). */
function send(
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
  o: { hold?: boolean; chunked?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(o.chunked ? {} : { 'content-length': String(buf.length) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          req.destroy();
        });
      },
    );
    req.on('error', (e) => (/EPIPE|ECONNRESET|socket hang up/.test(e.message) ? undefined : reject(e)));
    if (o.hold) req.write(buf.subarray(0, Math.floor(buf.length / 2)));
    else req.end(buf);
  });
}

function headersFor(secret: string, id: string, event: string, body: string | Buffer): Record<string, string> {
  return {
    'x-github-event': event,
    'x-github-delivery': id,
    'x-hub-signature-256': signBody(secret, body.toString()),
  };
}

function issuePayload(lb: Local, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action: 'labeled',
    issue: { number: 1, labels: [], user: { login: 'alice' } },
    label: { name: 'nothing' },
    repository: { full_name: lb.seeded.repo, default_branch: 'main' },
    sender: { login: 'alice', type: 'User' },
    installation: { id: lb.seeded.installationId },
    ...extra,
  };
}

describe('webhook ingress', () => {
  it('acknowledges a verified delivery only after it is recorded', async () => {
    lb = await local();
    const secret = lb.sandbox.opts.secret;
    const body = JSON.stringify(issuePayload(lb));
    const a = await send(lb.baton.webhookUrl, headersFor(secret, 'ok-1', 'issues', body), body);
    expect(a.status).toBe(200);
    expect((await lb.stack.store.getDelivery('ok-1'))?.name).toBe('issues');
  });

  it('answers 503 to an upload that does not finish before the deadline, and records nothing', async () => {
    lb = await local({ recordDeadlineMs: 300 });
    const secret = lb.sandbox.opts.secret;
    const body = JSON.stringify(issuePayload(lb));
    const a = await send(lb.baton.webhookUrl, headersFor(secret, 'slow-1', 'issues', body), body, { hold: true });
    expect(a.status).toBe(503);
    expect(a.body).not.toMatch(/Error|at .*\.ts/);
    expect(await lb.stack.store.getDelivery('slow-1')).toBeUndefined();
  });

  it('a slow upload with a bad signature is refused, not acknowledged', async () => {
    lb = await local({ recordDeadlineMs: 300 });
    const body = JSON.stringify(issuePayload(lb));
    const h = { ...headersFor('wrong', 'slow-bad', 'issues', body) };
    const a = await send(lb.baton.webhookUrl, h, body, { hold: true });
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a.status).not.toBe(202);
    const b = await send(lb.baton.webhookUrl, h, body);
    expect(b.status).toBe(401);
    expect(await lb.stack.store.getDelivery('slow-bad')).toBeUndefined();
  });

  it('answers 503 when the store stalls past the deadline; the late record is kept for recovery to find', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const dataDir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/baton-stall-`);
    const stack = await openStack({ dataDir, databaseUrl: '', redisUrl: '' });
    const real = stack.store;
    const stalled: Store = Object.create(real);
    stalled.recordDelivery = async (d) => {
      await gate;
      return real.recordDelivery(d);
    };
    stack.store = stalled;
    lb = await local({ dataDir, stack, recordDeadlineMs: 300 });
    const secret = lb.sandbox.opts.secret;
    const body = JSON.stringify(issuePayload(lb));
    const a = await send(lb.baton.webhookUrl, headersFor(secret, 'stall-1', 'issues', body), body);
    expect(a.status).toBe(503);
    expect(await real.getDelivery('stall-1')).toBeUndefined();
    release();
    await lb.settle();
    for (let i = 0; i < 100 && !(await real.getDelivery('stall-1')); i++) await new Promise((r) => setImmediate(r));
    expect(await real.getDelivery('stall-1')).toBeDefined();
  });

  it('refuses a body over 25 MB with 413, declared or streamed, and keeps nothing', async () => {
    lb = await local();
    const secret = lb.sandbox.opts.secret;
    const big = Buffer.alloc(26 * 1024 * 1024, 0x20);
    const h = headersFor(secret, 'big-1', 'issues', big);
    expect((await send(lb.baton.webhookUrl, h, big)).status).toBe(413);
    expect(
      (await send(lb.baton.webhookUrl, { ...h, 'x-github-delivery': 'big-2' }, big, { chunked: true })).status,
    ).toBe(413);
    expect(await lb.stack.store.getDelivery('big-1')).toBeUndefined();
    expect(await lb.stack.store.getDelivery('big-2')).toBeUndefined();
  });

  it.each([
    ['a JSON array', '[1,2]', /must be a JSON object/],
    ['an issues event without an issue', '{}', /issue/],
    ['"issue": null', null, /issue/],
    ['not JSON', '{"action":', /not JSON/],
  ])('answers 400 with a plain reason to a signed body that is %s', async (_name, raw, reason) => {
    lb = await local();
    const secret = lb.sandbox.opts.secret;
    const body = raw ?? JSON.stringify(issuePayload(lb, { issue: null }));
    const a = await send(lb.baton.webhookUrl, headersFor(secret, 'bad-1', 'issues', body), body);
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body).error).toMatch(reason);
    expect(a.body).not.toMatch(/TypeError|\.ts:\d+/);
    expect(await lb.stack.store.getDelivery('bad-1')).toBeUndefined();
  });

  it('acknowledges and ignores a delivery without an installation, never queueing it', async () => {
    lb = await local();
    const secret = lb.sandbox.opts.secret;
    const p = issuePayload(lb);
    delete p.installation;
    const body = JSON.stringify(p);
    const a = await send(lb.baton.webhookUrl, headersFor(secret, 'noinst-1', 'issues', body), body);
    expect(a.status).toBe(202);
    expect(JSON.parse(a.body).ignored).toMatch(/installation/);
    expect(await lb.stack.store.getDelivery('noinst-1')).toBeUndefined();
  });
});
