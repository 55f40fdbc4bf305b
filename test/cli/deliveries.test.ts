// `baton deliveries` and `baton reconcile` against the sandbox as GitHub, with the App's real credentials flow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDeliveries } from '../../src/cli/deliveries.js';
import { runReconcile } from '../../src/cli/reconcile.js';
import { sandboxWorld, type World } from '../support/child.js';
import { receiver } from '../sandbox/helpers.js';

let world: World;
let dataDir: string;
const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) } };
};

beforeEach(async () => {
  world = await sandboxWorld();
  dataDir = mkdtempSync(join(tmpdir(), 'baton-cli-deliveries-'));
});
afterEach(async () => {
  await world.sandbox.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({ ...world.env, BATON_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' });

test('lists the deliveries that never got an OK, and --redeliver has GitHub send them again', async () => {
  const { sandbox } = world;
  sandbox.webhookUrl = 'http://127.0.0.1:9/api/github/webhooks';
  sandbox.createIssue({ title: 'lost one', by: 'alice' });
  sandbox.comment(1, 'lost two', { by: 'alice' });
  await sandbox.settled();

  const a = io();
  expect(await runDeliveries(['--since', '1h'], a.io, env())).toBe(0);
  const text = a.out.join('\n');
  expect(text).toMatch(/2 deliveries never got a successful answer/);
  expect(text).toMatch(/issues\.opened .* failed to connect to host/);
  expect(text).toMatch(/issue_comment\.created/);

  const rx = await receiver();
  try {
    sandbox.webhookUrl = rx.url;
    const b = io();
    expect(await runDeliveries(['--since', '1h', '--redeliver'], b.io, env())).toBe(0);
    await sandbox.settled();
    expect(b.out.join('\n')).toMatch(/Asked GitHub to redeliver 2/);
    expect(rx.got.map((g) => g.headers['x-github-event']).sort()).toEqual(['issue_comment', 'issues']);
    const c = io();
    expect(await runDeliveries(['--since', '1h'], c.io, env())).toBe(0);
    expect(c.out.join('\n')).toMatch(/Nothing is missing/);
  } finally {
    await rx.close();
  }
});

test('refuses bad options and missing credentials with the fix', async () => {
  const a = io();
  expect(await runDeliveries(['--since', 'yesterday'], a.io, env())).toBe(2);
  expect(a.err.join('')).toMatch(/invalid duration "yesterday"/);
  const b = io();
  expect(await runDeliveries([], b.io, { BATON_DATA_DIR: dataDir })).toBe(2);
  expect(b.err.join('')).toMatch(/APP_ID, PRIVATE_KEY .* not set/);
  const c = io();
  expect(await runReconcile(['--repo', 'nope'], c.io, env())).toBe(2);
  expect(c.err.join('')).toMatch(/owner\/repo/);
});

test('reconcile on a store that knows no repository says so', async () => {
  const a = io();
  expect(await runReconcile(['--dry-run'], a.io, env())).toBe(0);
  expect(a.err.join('')).toMatch(/no known repository/);
  expect(a.out.join('')).toMatch(/No missed transitions/);
});
