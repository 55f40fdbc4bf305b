// A deploy sends SIGTERM while jobs are running: Baton stops taking webhooks and jobs, lets the running jobs finish
// (or hands them back), and exits 0. The next process finishes everything left; nothing is lost or half-done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import type { StoreWithJobs } from '../../src/store/types.js';
import { BOT, killAllChildren, sandboxWorld, settle, startChild, waitFor, type World } from '../support/child.js';
import { auditIssue } from '../support/audit.js';

let world: World | undefined;
let store: StoreWithJobs | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await killAllChildren();
  await store?.close();
  await world?.sandbox.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('SIGTERM with jobs in flight', () => {
  it('finishes what it started, exits 0, leaves the rest pending; the next process completes every run', async () => {
    // Slow GitHub (150 ms per answer) so jobs are mid-way when the signal lands.
    world = await sandboxWorld({ latencyMs: 150 });
    const { sandbox, seeded } = world;
    const repo = seeded.repo;
    dataDir = mkdtempSync(join(tmpdir(), 'baton-sigterm-'));
    const env = { ...world.env, BATON_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', BATON_CONCURRENCY: '2' };
    const first = await startChild(env);
    sandbox.webhookUrl = first.webhookUrl;
    store = await openStore({ dataDir, databaseUrl: '' });

    const issues: number[] = [];
    for (let i = 0; i < 8; i++) issues.push(sandbox.createIssue({ title: `Deploy ${i}`, by: 'alice', repo }).number);
    await settle(sandbox, store);
    for (const n of issues) sandbox.labelIssue(n, 'flow:feature', { by: 'alice', repo });
    // Wait until Baton is writing to GitHub for one of them: a job is in flight.
    let writes = 0;
    sandbox.http.onAnswer = (a) => {
      if (a.method !== 'GET') writes++;
    };
    await waitFor('a first GitHub write', () => writes > 0, 20_000, 5);
    first.proc.kill('SIGTERM');
    const exit = await first.exited;
    sandbox.http.onAnswer = undefined;
    expect(exit).toEqual({ code: 0, signal: null });

    // No run is half-done: each issue has either its whole start (stage label, card, assignee) or nothing yet.
    const states = issues.map((n) => {
      const a = auditIssue(sandbox, repo, n, BOT);
      return a.cards === 0 && a.stageLabels.length === 0
        ? 'untouched'
        : a.cards === 1 && a.stageLabels[0] === 'baton:spec'
          ? 'started'
          : `half-done: ${JSON.stringify(a)}`;
    });
    expect(states.filter((s) => s.startsWith('half-done'))).toEqual([]);
    expect(states).toContain('started');
    // With 2 jobs at a time and 8 queued, some work was left for the next process (not dropped: still pending).
    expect(states).toContain('untouched');
    expect((await store.pendingDeliveries()).length).toBeGreaterThan(0);

    const second = await startChild(env);
    sandbox.webhookUrl = second.webhookUrl;
    // Webhooks sent while no process was listening are redelivered (GitHub's redeliver; they are Baton's echoes).
    for (const d of sandbox.deliveries().filter((x) => x.status < 200 || x.status >= 300))
      await sandbox.redeliver(d.id);
    await settle(sandbox, store);
    for (const n of issues) {
      const a = auditIssue(sandbox, repo, n, BOT);
      expect([n, a.run?.stage, a.cards, a.stageLabels, a.duplicateComments, sandbox.issue(n, repo).assignees]).toEqual([
        n,
        'spec',
        1,
        ['baton:spec'],
        [],
        ['alice'],
      ]);
    }
    expect((await store.transitions({ repo })).length).toBe(issues.length);
    expect(await store.deadDeliveries()).toEqual([]);

    // The second process also shuts down cleanly when idle.
    second.proc.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});
