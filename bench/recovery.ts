// `npm run bench -- recovery`: events sent while Baton is down, and events GitHub never sends, against a real
// `baton start` process (SQLite) and the sandbox's GitHub-shaped delivery log.
//
// 1. Live: 50 issues start their runs (demo flow) and reach build. Meanwhile the webhook door is tried under
//    trouble: 20 slow uploads (half finish past the record deadline) and a store that stalls (another process holds
//    SQLite's write lock for 16 s while the sandbox keeps sending). `acked_unrecorded` counts deliveries that got a
//    2xx and are not in the store: it must be 0.
// 2. Down: Baton gets SIGTERM; the sandbox plays every issue's PR, noise comments, approval, CI and merge — at least
//    500 deliveries, all failing ("failed to connect to host") — and never sends some at all (10 merges, 5 approvals).
// 3. Up again: a new `baton start` on the same data. Recovery (deliveries API) and the reconcile sweep must bring
//    every run to done with exactly the transitions a run that never stopped has, nothing applied twice.
import Database from 'better-sqlite3';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import type { StoreWithJobs } from '../src/store/types.js';
import { parseCard } from '../src/github/card.js';
import { signBody } from '../src/sandbox/index.js';
import {
  killAllChildren,
  sandboxWorld,
  settle,
  startChild,
  sleep,
  BOT,
  type BatonChild,
} from '../test/support/child.js';

const ISSUES = 50;
const NOISE = 5;
const NEVER_MERGE = 10;
const NEVER_REVIEW = 5;
const EXPECTED = ['∅>spec', 'spec>build', 'build>review', 'review>checks', 'checks>merge', 'merge>done'];
const r2 = (x: number) => Math.round(x * 100) / 100;

/** POST a signed body in pieces over `ms` (a slow uploader); resolves with the status. */
function slowPost(url: string, headers: Record<string, string>, body: string, ms: number): Promise<number> {
  return new Promise((resolve) => {
    const buf = Buffer.from(body);
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': buf.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    const parts = 10;
    const size = Math.ceil(buf.length / parts);
    let i = 0;
    const step = () => {
      if (req.destroyed) return;
      const chunk = buf.subarray(i * size, (i + 1) * size);
      i++;
      if (i >= parts) req.end(chunk);
      else {
        req.write(chunk);
        setTimeout(step, ms / parts);
      }
    };
    step();
  });
}

export default async function recovery({ log }: { log: (...a: unknown[]) => void }) {
  const world = await sandboxWorld();
  const { sandbox, seeded, secret } = world;
  const repo = seeded.repo;
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-bench-recovery-'));
  const env = {
    ...world.env,
    BATON_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    BATON_RECOVERY_INTERVAL_MS: '3000',
    BATON_RECONCILE_INTERVAL_MS: '4000',
    LOG_LEVEL: 'info',
  };
  let store: StoreWithJobs | undefined;
  let baton: BatonChild | undefined;
  try {
    // --- 1. live -------------------------------------------------------------------------------------------------
    baton = await startChild(env);
    sandbox.webhookUrl = baton.webhookUrl;
    store = await openStore({ dataDir });
    const issues: number[] = [];
    for (let i = 0; i < ISSUES; i++) {
      const n = sandbox.createIssue({ title: `Feature ${i}`, body: 'please', by: 'alice', repo }).number;
      sandbox.labelIssue(n, 'flow:feature', { by: 'alice', repo });
      sandbox.labelIssue(n, 'spec:ready', { by: 'alice', repo });
      issues.push(n);
    }
    await settle(sandbox, store, 180_000);
    log(`live: ${ISSUES} runs in build`);

    // Slow uploads: copies of real payloads under new delivery ids; half take longer than the 8 s record deadline.
    const sample = sandbox.hookLog
      .list()
      .find((a) => a.event === 'issues' && (a.request.payload?.sender as { login?: string })?.login === 'alice')!;
    const slow: Array<{ id: string; status: number }> = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const id = `slow-${i}`;
        const body = JSON.stringify(sample.request.payload);
        const status = await slowPost(
          baton!.webhookUrl,
          { 'x-github-event': 'issues', 'x-github-delivery': id, 'x-hub-signature-256': signBody(secret, body) },
          body,
          i % 2 ? 9500 : 800,
        );
        slow.push({ id, status });
      }),
    );
    // A store that stalls: another process holds SQLite's write lock while the sandbox keeps sending.
    const lock = new Database(join(dataDir, 'baton.db'));
    lock.exec('BEGIN IMMEDIATE');
    const stalledFrom = sandbox.deliveries().length;
    for (let i = 0; i < 10; i++) sandbox.comment(issues[i]!, `note during the stall ${i}`, { by: 'carol', repo });
    await sleep(16_000);
    lock.exec('ROLLBACK');
    lock.close();
    await sandbox.settled();
    const stalled = sandbox.deliveries().slice(stalledFrom);
    await settle(sandbox, store, 120_000);
    const acked = [
      ...slow.filter((s) => s.status >= 200 && s.status < 300).map((s) => s.id),
      ...sandbox
        .deliveries()
        .filter((d) => d.status >= 200 && d.status < 300 && (d.payload.sender as { login?: string })?.login !== BOT)
        .map((d) => d.id),
    ];
    let ackedUnrecorded = 0;
    for (const id of acked) if (!(await store.getDelivery(id))) ackedUnrecorded++;
    const slowRefused = slow.filter((s) => s.status >= 500).length;
    const stallRefused = stalled.filter((d) => d.status === 0 || d.status >= 500).length;
    log(
      `trouble: slow uploads ${slow.length} (${slowRefused} answered 5xx), store stall: ${stallRefused}/${stalled.length} answered 5xx or timed out; acked but unrecorded: ${ackedUnrecorded}`,
    );

    // --- 2. down -------------------------------------------------------------------------------------------------
    baton.proc.kill('SIGTERM');
    await baton.exited;
    const downFrom = sandbox.deliveries().length;
    const logFrom = sandbox.hookLog.list().length;
    let dropped = 0;
    const never = (match: (event: string, p: Record<string, unknown>) => boolean, act: () => void) => {
      const before = sandbox.dropDeliveries(match);
      act();
      dropped += sandbox.dropDeliveries(undefined) - before;
    };
    issues.forEach((issue, i) => {
      const pr = sandbox.openPr({
        repo,
        by: 'bob',
        author: 'bob',
        title: `Work for #${issue}`,
        body: `Fixes #${issue}`,
        head: `feat-${i}`,
        files: { [`docs/note-${i}.md`]: `note ${i}\n` },
      }).number;
      for (let k = 0; k < NOISE; k++) sandbox.comment(issue, `progress ${k}`, { by: 'bob', repo });
      const review = () => sandbox.submitReview(pr, 'carol', 'APPROVED', 'ok', { repo });
      if (i >= NEVER_MERGE && i < NEVER_MERGE + NEVER_REVIEW) never((e) => e === 'pull_request_review', review);
      else review();
      sandbox.completeChecks(pr, 'success', 'ci', { repo });
      const merge = () => sandbox.mergePr(pr, { repo, by: 'bob' });
      if (i < NEVER_MERGE) never((e, p) => e === 'pull_request' && p.action === 'closed', merge);
      else merge();
    });
    await sandbox.settled();
    const sentWhileDown = sandbox.deliveries().length - downFrom;
    const failedWhileDown = sandbox.hookLog.list().length - logFrom;
    const missedGuids = new Set(
      sandbox.hookLog
        .list('failure')
        .filter((a) => !sandbox.hookLog.list('success').some((b) => b.guid === a.guid))
        .map((a) => a.guid),
    );
    const eventsMissed = missedGuids.size + dropped;
    log(
      `down: ${sentWhileDown} deliveries failed while Baton was down (${failedWhileDown} attempts logged), ${dropped} never sent; missed in all: ${eventsMissed}`,
    );

    // --- 3. up again ---------------------------------------------------------------------------------------------
    sandbox.resetCounts();
    const t0 = Date.now();
    baton = await startChild(env);
    sandbox.webhookUrl = baton.webhookUrl;
    const done = () =>
      issues.every((n) => sandbox.issue(n, repo).labels.includes('baton:done')) && !sandbox.pendingFaults();
    const deadline = t0 + 240_000;
    while (!done() && Date.now() < deadline) await sleep(250);
    const recoveryS = (Date.now() - t0) / 1000;
    await settle(sandbox, store, 120_000).catch(() => undefined);

    // Outcome per run, against a run that never stopped.
    let transitionsLost = 0;
    let duplicateEffects = 0;
    let runsDone = 0;
    for (const n of issues) {
      const comments = sandbox.comments(n, repo).filter((c) => c.user === BOT);
      const cards = comments.filter((c) => c.body.includes('<!-- baton:card -->'));
      duplicateEffects += Math.max(0, cards.length - 1);
      const bodies = comments.filter((c) => !c.body.includes('<!-- baton:card -->')).map((c) => c.body);
      duplicateEffects += bodies.length - new Set(bodies).size;
      const run = cards.length ? parseCard(cards.at(-1)!.body) : undefined;
      const history = run?.history.map((h) => `${h.from ?? '∅'}>${h.to}`) ?? [];
      transitionsLost += EXPECTED.filter((e) => !history.includes(e)).length;
      duplicateEffects += history.length - new Set(history).size;
      if (run?.status === 'done') runsDone++;
    }
    const out = baton.output();
    const sum = (msg: string, key: string) =>
      out
        .split('\n')
        .filter((l) => l.includes(`"msg":"${msg}"`))
        .reduce((a, l) => a + (Number((JSON.parse(l) as Record<string, unknown>)[key]) || 0), 0);
    const recovered = sum('delivery recovery pass', 'recovered');
    const recoveryRequests = sum('delivery recovery pass', 'requests');
    const reconciled = sum('reconcile sweep', 'events');
    const sweepRequests = sum('reconcile sweep', 'requests');
    const sweepNotModified = sum('reconcile sweep', 'notModified');
    const counts = sandbox.requests();
    const eventsRecovered = recovered + reconciled;
    const figures = {
      issues: ISSUES,
      events_played_while_down: sentWhileDown + dropped,
      events_never_sent: dropped,
      events_missed: eventsMissed,
      events_recovered: eventsRecovered,
      recovered_from_deliveries_api: recovered,
      transitions_from_reconcile: reconciled,
      runs_done: runsDone,
      transitions_lost: transitionsLost,
      duplicate_effects: duplicateEffects,
      recovery_s: r2(recoveryS),
      github_requests_per_recovered_event: r2((recoveryRequests + sweepRequests) / Math.max(1, eventsRecovered)),
      recovery_requests: recoveryRequests,
      reconcile_requests: sweepRequests,
      reconcile_not_modified: sweepNotModified,
      github_requests_after_restart: counts.total,
      acked_unrecorded: ackedUnrecorded,
      slow_uploads_refused: slowRefused,
      stalled_deliveries_refused: stallRefused,
    };
    log(
      `up: ${runsDone}/${ISSUES} runs done in ${r2(recoveryS)} s; ${recovered} deliveries recovered (${recoveryRequests} requests), ${reconciled} transitions from the sweep (${sweepRequests} requests, ${sweepNotModified} answered 304); lost ${transitionsLost}, duplicates ${duplicateEffects}`,
    );
    return figures;
  } finally {
    await baton?.kill().catch(() => undefined);
    await killAllChildren();
    await store?.close().catch(() => undefined);
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
