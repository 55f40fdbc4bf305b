import { DigestScheduler, lastDue, type Clock } from '../../src/report/scheduler.js';
import { memStore } from './mem-store.js';

function clockAt(iso: string): Clock & { set(iso: string): void; timers: number[] } {
  let now = new Date(iso);
  const timers: number[] = [];
  return {
    timers,
    now: () => now,
    set: (s: string) => (now = new Date(s)),
    setTimer: (_fn, ms) => {
      timers.push(ms);
      return () => {};
    },
  };
}

function recorder() {
  const posts: Array<{ repo: string; week: string; due: string }> = [];
  return {
    posts,
    post: async (repo: string, week: string, due: Date) => void posts.push({ repo, week, due: due.toISOString() }),
  };
}

describe('lastDue', () => {
  it('finds the latest Monday 09:00 UTC at or before now, and explains a bad cron', () => {
    expect(lastDue('0 9 * * 1', new Date('2026-01-21T12:00:00Z')).toISOString()).toBe('2026-01-19T09:00:00.000Z');
    expect(lastDue('0 9 * * 1', new Date('2026-01-19T09:00:00Z')).toISOString()).toBe('2026-01-19T09:00:00.000Z');
    expect(() => lastDue('every monday', new Date())).toThrow(/not a valid 5-field cron/);
  });
});

describe('DigestScheduler', () => {
  it('does nothing before the first due time of a week, posts once when due, not again that week', async () => {
    const store = memStore();
    const clock = clockAt('2026-01-19T08:59:00Z');
    const r = recorder();
    store.kv.set('digest\u0000acme/web:2026-W03', 'posted earlier');
    const s = new DigestScheduler({ store, clock, targets: () => [{ repo: 'acme/web' }], post: r.post });
    await s.tick();
    expect(r.posts).toEqual([]);
    clock.set('2026-01-19T09:00:30Z');
    await s.tick();
    clock.set('2026-01-22T09:00:30Z');
    await s.tick();
    expect(r.posts).toEqual([{ repo: 'acme/web', week: '2026-W04', due: '2026-01-19T09:00:00.000Z' }]);
    expect(await store.kvGet('digest', 'acme/web:2026-W04')).toMatch(/^posted /);
  });

  it('after three weeks of downtime catches up ONCE (the latest missed week), not once per missed week', async () => {
    const store = memStore();
    store.kv.set('digest\u0000acme/web:2026-W01', 'posted');
    const clock = clockAt('2026-01-22T15:00:00Z'); // missed W02, W03 and W04's Mondays
    const r = recorder();
    const s = new DigestScheduler({ store, clock, targets: () => [{ repo: 'acme/web' }], post: r.post });
    await s.tick();
    await s.tick();
    expect(r.posts.map((p) => p.week)).toEqual(['2026-W04']);
  });

  it('never posts twice for one week across a restart (a new scheduler on the same store)', async () => {
    const store = memStore();
    const clock = clockAt('2026-01-19T09:05:00Z');
    const r = recorder();
    await new DigestScheduler({ store, clock, targets: () => [{ repo: 'acme/web' }], post: r.post }).tick();
    await new DigestScheduler({ store, clock, targets: () => [{ repo: 'acme/web' }], post: r.post }).tick();
    expect(r.posts).toHaveLength(1);
  });

  it('two schedulers racing on one store post exactly once', async () => {
    const store = memStore();
    const clock = clockAt('2026-01-19T09:05:00Z');
    const r = recorder();
    const a = new DigestScheduler({
      store,
      clock,
      owner: 'a',
      targets: () => [{ repo: 'acme/web' }, { repo: 'acme/api' }],
      post: r.post,
    });
    const b = new DigestScheduler({
      store,
      clock,
      owner: 'b',
      targets: () => [{ repo: 'acme/api' }, { repo: 'acme/web' }],
      post: r.post,
    });
    await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    expect(r.posts.map((p) => p.repo).sort()).toEqual(['acme/api', 'acme/web']);
  });

  it('follows each repo cron, skips disabled repos, and retries a failed post on a later tick', async () => {
    const store = memStore();
    const clock = clockAt('2026-01-20T18:30:00Z'); // Tuesday
    let fail = true;
    const posts: string[] = [];
    const s = new DigestScheduler({
      store,
      clock,
      targets: () => [
        { repo: 'o/fri', cron: '0 17 * * 5' },
        { repo: 'o/off', enabled: false },
        { repo: 'o/tue', cron: '0 18 * * 2' },
      ],
      post: async (repo, week) => {
        if (repo === 'o/tue' && fail) throw new Error('GitHub said 502');
        posts.push(`${repo} ${week}`);
      },
    });
    const first = await s.tick();
    expect(first.failed).toEqual([{ repo: 'o/tue', week: '2026-W04', error: 'GitHub said 502' }]);
    expect(posts).toEqual(['o/fri 2026-W03']);
    fail = false;
    await s.tick();
    await s.tick();
    expect(posts).toEqual(['o/fri 2026-W03', 'o/tue 2026-W04']);
  });

  it('start() ticks at once and sleeps until the next due time (capped at an hour)', async () => {
    const store = memStore();
    const clock = clockAt('2026-01-19T08:59:00Z');
    const r = recorder();
    const s = new DigestScheduler({ store, clock, targets: () => [{ repo: 'acme/web' }], post: r.post });
    s.start();
    await new Promise((res) => setTimeout(res, 50));
    await s.stop();
    expect(clock.timers).toEqual([61_000]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite.js';

describe('DigestScheduler on the real SQLite store', () => {
  it('two replicas (two connections to one database file) racing for the same week post once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-digest-race-'));
    const a = new SqliteStore({ dataDir: dir });
    await a.migrate();
    const b = new SqliteStore({ dataDir: dir });
    try {
      const clock = clockAt('2026-01-19T09:00:05Z');
      const r = recorder();
      const targets = () => [{ repo: 'acme/web' }];
      const ra = new DigestScheduler({ store: a, clock, owner: 'replica-a', targets, post: r.post });
      const rb = new DigestScheduler({ store: b, clock, owner: 'replica-b', targets, post: r.post });
      await Promise.all([ra.tick(), rb.tick(), ra.tick(), rb.tick()]);
      // A restart a day later still sees the week as done.
      clock.set('2026-01-20T10:00:00Z');
      await new DigestScheduler({ store: b, clock, targets, post: r.post }).tick();
      expect(r.posts).toHaveLength(1);
      expect(await a.kvGet('digest', 'acme/web:2026-W04')).toMatch(/^posted .* by replica-[ab]$/);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
