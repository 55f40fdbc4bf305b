// A process restarted on the same host takes back the jobs its previous run had leased at once, instead of waiting
// a full lease for them to expire; leases of live processes elsewhere are left alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlQueue } from '../../src/queue/sql-queue.js';
import { SqliteStore } from '../../src/store/sqlite.js';

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
    // The previous run of this process (pid 2^22 + 1 is above Linux's pid_max default: never alive) and a replica
    // on another host, both with an hour left on their lease.
    expect((await store.jobs.claim(`${hostname()}:4194305:old`, now, hour))?.id).toBe('mine');
    expect((await store.jobs.claim('elsewhere:1:live', now, hour))?.id).toBe('theirs');
    const ran: string[] = [];
    let resolve!: () => void;
    const first = new Promise<void>((r) => (resolve = r));
    queue = new SqlQueue({ store, pollMs: 20 });
    await queue.start(async (job) => {
      ran.push(job.id);
      resolve();
    });
    await first;
    while ((await store.getDelivery('mine'))?.status !== 'done') await new Promise((r) => setTimeout(r, 10));
    expect(ran).toEqual(['mine']);
    expect((await store.jobs.leases()).map((l) => l.owner)).toEqual(['elsewhere:1:live']);
    expect((await store.getDelivery('mine'))?.status).toBe('done');
  });
});
