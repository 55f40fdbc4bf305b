// The embedded store's file misbehaving: a corrupt file, a file deleted under the running process, a full disk.
// Each is reported with the file's path and what to do — at start, in readiness, and on the failing write. And the
// write-ahead log gives back the space a burst made it take (a WAL kept at its high-water mark is what filled disks).
import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import type { StoreWithJobs } from '../../src/store/types.js';

let dir: string;
let store: StoreWithJobs | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-disk-'));
});
afterEach(async () => {
  await store?.close().catch(() => undefined);
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite store on a misbehaving disk', () => {
  it('a corrupt file fails at start with its path and how to recover', async () => {
    writeFileSync(join(dir, 'baton.db'), 'this is not a database, just some text that is long enough'.repeat(100));
    await expect(openStore({ dataDir: dir, databaseUrl: '' })).rejects.toThrow(
      new RegExp(`${join(dir, 'baton.db')} is not a readable Baton database .*move it aside`),
    );
  });

  it('a file deleted while Baton runs makes readiness fail with the path and the remedy', async () => {
    store = await openStore({ dataDir: dir, databaseUrl: '' });
    expect(await store.ping()).toBe(true);
    unlinkSync(join(dir, 'baton.db'));
    await expect(store.ping()).rejects.toThrow(
      new RegExp(`${join(dir, 'baton.db')} was deleted while Baton was running`),
    );
  });

  it('a full disk fails readiness (it writes) and the failing write, naming the file and what to free', async () => {
    store = await openStore({ dataDir: dir, databaseUrl: '' });
    const db = (store as unknown as { db: { pragma(s: string, o?: { simple: boolean }): unknown } }).db;
    const pages = Number(db.pragma('page_count', { simple: true }));
    // SQLite answers SQLITE_FULL when the database may not grow: what a full volume looks like to Baton.
    db.pragma(`max_page_count = ${pages + 2}`);
    const big = { body: 'x'.repeat(200_000) };
    const write = store.recordDelivery({
      id: 'd1',
      name: 'issues',
      key: 'o/r#1',
      payload: big,
      receivedAt: '2026-01-01',
    });
    await expect(write).rejects.toThrow(/the disk holding .*baton\.db is full .*Free space on that volume/);
    await expect(write).rejects.toMatchObject({ code: 'SQLITE_FULL' });
  });

  it('the WAL a burst grew is checkpointed and truncated by the pruning pass, so its space goes back to the disk', async () => {
    store = await openStore({ dataDir: dir, databaseUrl: '' });
    const wal = join(dir, 'baton.db-wal');
    for (let i = 0; i < 300; i++)
      await store.recordDelivery({
        id: `d${i}`,
        name: 'issues',
        key: `o/r#${i}`,
        payload: { body: 'x'.repeat(10_000) },
        receivedAt: '2026-01-01T00:00:00Z',
      });
    expect(statSync(wal).size).toBeGreaterThan(1_000_000);
    await store.prune({ payloadsBefore: '2000-01-01T00:00:00Z', rowsBefore: '2000-01-01T00:00:00Z' });
    expect(statSync(wal).size).toBe(0);
  });
});
