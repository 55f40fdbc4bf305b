// A process restarted on the same host takes back the jobs its previous run had leased at once, instead of waiting
// a full lease for them to expire; leases of live processes elsewhere are left alone. Both queues: SQL and BullMQ.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlQueue } from '../../src/queue/sql-queue.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { harness, REDIS_URL, type Harness } from './helpers.js';

let dir: string;
let store: SqliteStore;
let queue: SqlQueue | undefined;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-resume-'));
  store = new SqliteStore({ dataDir: dir });
  await store.migrate();
});
afterEach(async () => {
  await queue?.stop(1000);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('resuming after a restart', () => {
  it("runs the jobs a dead process of this host had leased right away, and leaves another host's lease alone", async () => {
    const now = Date.now();
    const hour = 3_600_000;
    await store.jobs.enqueue({ id: 'mine', key: 'o/r#1', name: 'issues' }, now);
    await store.jobs.enqueue({ id: 'theirs', key: 'o/r#2', name: 'issues' }, now);
    await store.jobs.enqueue({ id: 'same-pid', key: 'o/r#3', name: 'issues' }, now);
    // The previous run of this process (pid 2^22 + 1 is above Linux's pid_max default: never alive) and a replica
    // on another host, both with an hour left on their lease.
    expect((await store.jobs.claim(`${hostname()}:4194305:old`, now, hour))?.id).toBe('mine');
    expect((await store.jobs.claim('elsewhere:1:live', now, hour))?.id).toBe('theirs');
    // A container restarted with the same pid: a lease under our pid that this process did not create is a dead one's.
    expect((await store.jobs.claim(`${hostname()}:${process.pid}:before`, now, hour))?.id).toBe('same-pid');
    const ran: string[] = [];
    queue = new SqlQueue({ store, pollMs: 20 });
    await queue.start(async (job) => void ran.push(job.id));
    for (const id of ['mine', 'same-pid'])
      while ((await store.getDelivery(id))?.status !== 'done') await new Promise((r) => setTimeout(r, 10));
    expect(ran.sort()).toEqual(['mine', 'same-pid']);
    expect((await store.jobs.leases()).map((l) => l.owner)).toEqual(['elsewhere:1:live']);
    expect((await store.getDelivery('mine'))?.status).toBe('done');
  });
});

describe('resuming after a restart on Redis (BullMQ)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('runs the jobs a SIGKILLed earlier run on this host was running at once, not after its lease, in key order', async () => {
    h = await harness('bullmq');
    // A lease no test would wait out: the job can only run again because the restarted process takes it back.
    const LEASE = 600_000;
    const q = h.make({ leaseMs: LEASE });
    await q.enqueue({ id: 'c1', key: 'acme/web#5', name: 'issues' });
    await q.enqueue({ id: 'c2', key: 'acme/web#5', name: 'issues' });
    const fixture = fileURLToPath(new URL('./fixtures/crash-consumer.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fixture, h.kind, h.opened.where, h.prefix, String(LEASE)],
      {
        env: { ...process.env, NODE_OPTIONS: '', REDIS_URL },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout! });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (l) => l === 'started c1' && resolve());
      child.on('exit', (code) => reject(new Error(`crash consumer exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await exited;
    const seen: string[] = [];
    await q.start(async (job) => void seen.push(`${job.id}#${job.attempt}`));
    await q.drain();
    expect(seen).toEqual(['c1#1', 'c2#1']);
    expect((await h.opened.store.getDelivery('c1'))?.status).toBe('done');
  }, 60_000);
});
