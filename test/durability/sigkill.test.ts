// A real Baton process is SIGKILLed in the middle of a job, right after a GitHub write was applied and before Baton
// saw its answer; a new process on the same data dir must finish the job without duplicating anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import type { StoreWithJobs } from '../../src/store/types.js';
import {
  BOT,
  killAllChildren,
  sandboxWorld,
  settle,
  startChild,
  type BatonChild,
  type World,
} from '../support/child.js';
import { auditIssue, checkRunsByName, reviewRequests } from '../support/audit.js';

let world: World | undefined;
let store: StoreWithJobs | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await killAllChildren();
  await store?.close();
  await world?.sandbox.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const WRITE = /^(POST|PATCH|PUT|DELETE)$/;

afterEach(async () => {
  await killAllChildren();
  await store?.close();
  store = undefined;
  await world?.sandbox.stop();
  world = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('SIGKILL between two GitHub writes', () => {
  // Killed after the 1st, 2nd and 3rd write of the job: each leaves a different effect half-done in the journal.
  it.each([1, 2, 3])(
    'killed after write %i of a job, a restarted process on the same data dir completes it once: one card, one of each comment, right labels',
    async (killAt) => {
      world = await sandboxWorld();
      const { sandbox, seeded } = world;
      const repo = seeded.repo;
      dataDir = mkdtempSync(join(tmpdir(), 'baton-sigkill-'));
      // A short lease: the killed process's job is taken over 1.5 s after its last renewal, not after the 30 s default.
      const env = {
        ...world.env,
        BATON_DATA_DIR: dataDir,
        DATABASE_URL: '',
        REDIS_URL: '',
        BATON_QUEUE_LEASE_MS: '1500',
      };
      let child: BatonChild = await startChild(env);
      sandbox.webhookUrl = child.webhookUrl;
      store = await openStore({ dataDir, databaseUrl: '' });

      const issue = sandbox.createIssue({
        title: 'Shorter sessions',
        body: 'Sessions should expire sooner.',
        by: 'alice',
        repo,
      }).number;
      sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
      sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
      await settle(sandbox, store);
      expect(auditIssue(sandbox, repo, issue, BOT).stageLabels).toEqual(['baton:build']);

      // The PR-opened job is the busiest one (review request, risk comment, risk check, labels/assignees, card).
      // Kill Baton the moment the sandbox has applied that job's first write, before Baton reads the answer.
      const writes: string[] = [];
      let killed: Promise<void> | undefined;
      sandbox.http.onAnswer = async (a) => {
        if (killed || !WRITE.test(a.method) || a.status >= 300) return;
        writes.push(`${a.method} ${a.route}`);
        if (writes.length < killAt) return;
        killed = child.kill();
        await killed;
      };
      const pr = sandbox.openPr({
        repo,
        by: 'bob',
        author: 'bob',
        title: 'Shorter sessions',
        body: `Fixes #${issue}`,
        head: `${issue}-sessions`,
        files: { 'src/auth/session.ts': 'export const SESSION_TTL = 600;\n' },
      }).number;
      const t0 = Date.now();
      while (!killed && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
      expect(killed).toBeDefined();
      await killed;
      expect((await child.exited).signal).toBe('SIGKILL');
      sandbox.http.onAnswer = undefined;
      expect(writes).toHaveLength(killAt);
      // The job the kill interrupted is still pending in the store: nothing was lost with the process.
      expect((await store.pendingDeliveries()).some((d) => d.name === 'pull_request')).toBe(true);

      child = await startChild(env);
      sandbox.webhookUrl = child.webhookUrl;
      // Deliveries GitHub could not hand to the dead process (its own writes' echoes) are redelivered, as an operator
      // (or a redelivery job) would; they must change nothing.
      for (const d of sandbox.deliveries().filter((x) => x.status < 200 || x.status >= 300))
        await sandbox.redeliver(d.id);
      await settle(sandbox, store);

      const afterPr = auditIssue(sandbox, repo, issue, BOT);
      expect(afterPr.run?.stage).toBe('review');
      expect(afterPr.cards).toBe(1);
      expect(afterPr.stageLabels).toEqual(['baton:review']);
      expect(afterPr.duplicateComments).toEqual([]);
      const prAudit = auditIssue(sandbox, repo, pr, BOT);
      expect(prAudit.duplicateComments).toEqual([]);
      expect(Object.keys(prAudit.markers).filter((m) => m.includes('risk'))).toHaveLength(1);
      expect(Object.values(reviewRequests(sandbox, pr)).every((n) => n === 1)).toBe(true);
      expect(Object.keys(reviewRequests(sandbox, pr)).length).toBeGreaterThan(0);
      const headSha = sandbox.issue(pr, repo).pull!.headSha;
      expect(Object.values(checkRunsByName(sandbox, repo, headSha)).every((n) => n === 1)).toBe(true);

      // The run carries on to the end on the new process.
      sandbox.submitReview(pr, 'carol', 'APPROVED', 'LGTM', { repo });
      sandbox.completeChecks(pr, 'success', 'ci', { repo });
      await settle(sandbox, store);
      sandbox.mergePr(pr, { by: 'bob', repo });
      await settle(sandbox, store);

      const end = auditIssue(sandbox, repo, issue, BOT);
      expect(end.run?.history.map((h) => `${h.from ?? '∅'}>${h.to}`)).toEqual([
        '∅>spec',
        'spec>build',
        'build>review',
        'review>checks',
        'checks>merge',
        'merge>done',
      ]);
      expect(end.cards).toBe(1);
      expect(end.stageLabels).toEqual(['baton:done']);
      expect(end.duplicateComments).toEqual([]);
      expect(auditIssue(sandbox, repo, pr, BOT).duplicateComments).toEqual([]);
      // Transitions recorded once each (the store dedupes replays by id).
      expect((await store.transitions({ repo })).filter((t) => t.issue === issue)).toHaveLength(6);
      expect(await store.deadDeliveries()).toEqual([]);
      await child.kill();
    },
    60_000,
  );
});
