// The App's webhook delivery log as GitHub serves it: one item per attempt with GitHub's status strings, failed
// attempts when the receiver is down, answers non-2xx or is too slow, cursor pagination, the payload on the single
// delivery, redelivery (202, a new attempt with redelivery: true), 3-day retention, and answers that carry the
// required fields of GitHub's OpenAPI schemas.
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { receiver, seeded } from './helpers.js';

const require = createRequire(import.meta.url);
const spec = require('@octokit/openapi/generated/api.github.com.json') as {
  components: { schemas: Record<string, { required: string[] }> };
};

let sb: Sandbox;
let rx: Awaited<ReturnType<typeof receiver>>;
let now = new Date('2025-02-01T12:00:00Z');
let app: Octokit;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function jwtFor(appId: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: appId, exp: Math.floor(Date.now() / 1000) + 600 })}.x`;
}

beforeEach(async () => {
  now = new Date('2025-02-01T12:00:00Z');
  rx = await receiver();
  sb = await seeded({ webhookUrl: rx.url, clock: () => now });
  app = new Octokit({ baseUrl: sb.url, auth: jwtFor(4242), log: quiet });
});
afterEach(async () => {
  await sb.stop();
  await rx.close();
});

test('every attempt is logged with GitHub status strings; failures when down, non-2xx or too slow', async () => {
  sb.createIssue({ title: 'one', by: 'alice' });
  await sb.settled();
  rx.setStatus(503);
  sb.createIssue({ title: 'two', by: 'alice' });
  await sb.settled();
  const url = sb.webhookUrl;
  await rx.close();
  sb.createIssue({ title: 'three', by: 'alice' });
  await sb.settled();
  sb.webhookUrl = url;

  const { data } = await app.request('GET /app/hook/deliveries', { per_page: 100 });
  expect(data.map((d) => [d.event, d.action, d.status, d.status_code])).toEqual([
    ['issues', 'opened', 'failed to connect to host', 0],
    ['issues', 'opened', 'Invalid HTTP Response: 503', 503],
    ['issues', 'opened', 'OK', 200],
  ]);
  for (const item of data)
    for (const key of spec.components.schemas['hook-delivery-item']!.required) expect(item).toHaveProperty(key);
  expect(data[0]!.installation_id).toEqual(expect.any(Number));
  expect(data[0]!.repository_id).toEqual(expect.any(Number));
  const failures = await app.request('GET /app/hook/deliveries', { status: 'failure' });
  expect(failures.data).toHaveLength(2);
});

test('a delivery that is not answered within the timeout is recorded as timed out', async () => {
  const slow = createServer(() => undefined);
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
  const s2 = await seeded({
    webhookUrl: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook`,
    deliveryTimeoutMs: 200,
  });
  try {
    s2.createIssue({ title: 'slow', by: 'alice' });
    await s2.settled();
    const [item] = s2.hookLog.list();
    expect(item!.status).toBe('timed out');
  } finally {
    slow.closeAllConnections();
    slow.close();
    await s2.stop();
  }
});

test('the list pages by cursor; the single delivery carries the payload; redelivery adds an attempt', async () => {
  for (let i = 0; i < 5; i++) sb.createIssue({ title: `i${i}`, by: 'alice' });
  await sb.settled();
  const pages = await app.paginate('GET /app/hook/deliveries', { per_page: 2 });
  expect(pages).toHaveLength(5);
  expect(new Set(pages.map((p) => p.id)).size).toBe(5);
  const first = await app.request('GET /app/hook/deliveries', { per_page: 2 });
  expect(first.headers.link).toMatch(/cursor=v1_\d+/);
  expect(first.headers.link).not.toMatch(/[?&]page=/);

  const oldest = pages.at(-1)!;
  const one = await app.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: oldest.id });
  for (const key of spec.components.schemas['hook-delivery']!.required) expect(one.data).toHaveProperty(key);
  expect(one.data.request.payload).toMatchObject({ action: 'opened', issue: { title: 'i0' } });
  expect(one.data.request.headers).toMatchObject({ 'x-github-delivery': oldest.guid });

  const re = await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: oldest.id });
  expect(re.status).toBe(202);
  await sb.settled();
  const after = await app.request('GET /app/hook/deliveries', { per_page: 1 });
  expect(after.data[0]).toMatchObject({ guid: oldest.guid, redelivery: true, status: 'OK' });
  expect(rx.got.filter((g) => g.headers['x-github-delivery'] === oldest.guid)).toHaveLength(2);
});

test('deliveries older than 3 days leave the log; an unknown id is 404; a bad status filter is 422', async () => {
  sb.createIssue({ title: 'old', by: 'alice' });
  await sb.settled();
  const [item] = (await app.request('GET /app/hook/deliveries')).data;
  now = new Date(now.getTime() + 3 * 86_400_000 + 1000);
  expect((await app.request('GET /app/hook/deliveries')).data).toEqual([]);
  await expect(
    app.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: Number(item!.id) }),
  ).rejects.toMatchObject({
    status: 404,
  });
  await expect(app.request('GET /app/hook/deliveries', { status: 'weird' as never })).rejects.toMatchObject({
    status: 422,
  });
});

test('events GitHub never sends leave no attempt at all', async () => {
  sb.dropDeliveries((event) => event === 'issues');
  sb.createIssue({ title: 'lost', by: 'alice' });
  expect(sb.dropDeliveries(undefined)).toBe(1);
  await sb.settled();
  expect((await app.request('GET /app/hook/deliveries')).data).toEqual([]);
  expect(rx.got).toHaveLength(0);
});

test('the deliveries API needs the App JWT', async () => {
  const asInstallation = new Octokit({ baseUrl: sb.url, auth: 'ghs_whatever', log: quiet });
  await expect(asInstallation.request('GET /app/hook/deliveries')).rejects.toMatchObject({ status: 401 });
});
