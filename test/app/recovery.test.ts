// Events sent while Baton is down are recovered from the App's deliveries API: every run ends where a run that never
// stopped ends, nothing is applied twice, and with two replicas a failed delivery is fetched and queued once.
import { botComments, card, local, stageLabels } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
const opened: Local[] = [];
afterEach(async () => {
  for (const l of opened.splice(0)) await l.cleanup();
});

async function start(o: Parameters<typeof local>[0] = {}): Promise<Local> {
  const l = await local({ recoveryIntervalMs: -1, ...o });
  opened.push(l);
  return l;
}

/** A run in build: created and labelled live. */
async function runInBuild(l: Local, title: string): Promise<number> {
  const repo = l.seeded.repo;
  const issue = l.sandbox.createIssue({ title, body: 'please', by: 'alice', repo }).number;
  l.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
  l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
  await l.settle();
  return issue;
}

/** PR, approval, green checks and the merge: build → review → checks → merge → done. */
function finish(l: Local, issue: number, n: number): void {
  const repo = l.seeded.repo;
  const pr = l.sandbox.openPr({
    repo,
    by: 'bob',
    author: 'bob',
    title: `Work for #${issue}`,
    body: `Fixes #${issue}`,
    head: `feat-${n}`,
    files: { [`docs/note-${n}.md`]: `note ${n}\n` },
  }).number;
  l.sandbox.submitReview(pr, 'carol', 'APPROVED', 'ok', { repo });
  l.sandbox.completeChecks(pr, 'success', 'ci', { repo });
  l.sandbox.mergePr(pr, { repo, by: 'bob' });
}

function outcome(l: Local, issue: number) {
  const c = card(l, issue);
  return {
    stage: stageLabels(l, issue),
    cards: c.count,
    history: c.run?.history.map((h) => `${h.from ?? '∅'}>${h.to}`),
    comments: botComments(l, issue).length,
  };
}

describe('recovery of deliveries that failed while Baton was down', () => {
  it('ends every run where a run that never stopped ends, with no comment twice', async () => {
    const baseline = await start();
    const down = await start();
    const issues: Record<string, number[]> = { baseline: [], down: [] };
    for (const [name, l] of [
      ['baseline', baseline],
      ['down', down],
    ] as const)
      for (let i = 0; i < 3; i++) issues[name]!.push(await runInBuild(l, `Feature ${i}`));

    await down.stopBaton();
    for (const [name, l] of [
      ['baseline', baseline],
      ['down', down],
    ] as const)
      issues[name]!.forEach((issue, i) => finish(l, issue, i));
    await baseline.settle();
    await down.sandbox.settled();
    const failed = down.sandbox.hookLog.list('failure').length;
    expect(failed).toBeGreaterThanOrEqual(12);

    await down.restartBaton();
    const report = await down.baton.recoverDeliveries();
    await down.settle();
    expect(report.ran).toBe(true);
    expect(report.recovered).toBeGreaterThanOrEqual(12);
    expect(report.errors).toBe(0);

    for (let i = 0; i < 3; i++) {
      const want = outcome(baseline, issues.baseline![i]!);
      expect(want.stage).toEqual(['baton:done']);
      expect(outcome(down, issues.down![i]!)).toEqual(want);
    }
    // A second pass finds nothing new: it lists, and fetches nothing.
    const again = await down.baton.recoverDeliveries();
    expect(again.recovered).toBe(0);
    expect(again.requests).toBe(again.pages);
  });

  it('recovers a failed installation_repositories delivery too: Baton reads it, outside the event registry', async () => {
    const l = await start();
    await l.stopBaton();
    l.sandbox.addRepo('acme/late', { files: { 'README.md': '# late\n' } });
    l.sandbox.addToInstallation(['acme/late'], { by: 'alice' });
    await l.sandbox.settled();
    expect(l.sandbox.hookLog.list('failure').map((d) => d.event)).toEqual(['installation_repositories']);
    await l.restartBaton();
    const report = await l.baton.recoverDeliveries();
    await l.settle();
    expect(report).toMatchObject({ recovered: 1, notSubscribed: 0, errors: 0 });
  });

  it('a failed delivery is recovered once even with two replicas running recovery at the same time', async () => {
    const l = await start();
    const issue = await runInBuild(l, 'Two replicas');
    await l.stopBaton();
    l.sandbox.comment(issue, '/baton status', { by: 'alice', repo: l.seeded.repo });
    await l.sandbox.settled();
    expect(l.sandbox.hookLog.list('failure')).toHaveLength(1);
    await l.restartBaton();
    const other = await l.addReplica();
    l.sandbox.resetCounts();
    const [a, b] = await Promise.all([l.baton.recoverDeliveries(), other.recoverDeliveries()]);
    await l.settle();
    expect(a.recovered + b.recovered).toBe(1);
    expect(l.sandbox.requests().byRoute['GET /app/hook/deliveries/{delivery_id}']).toBe(1);
    const replies = botComments(l, issue).filter((c) => !c.includes('<!-- baton:card -->'));
    expect(replies).toHaveLength(1);
    // Later passes of either replica leave it alone.
    await other.recoverDeliveries();
    await l.baton.recoverDeliveries();
    await l.settle();
    expect(botComments(l, issue).filter((c) => !c.includes('<!-- baton:card -->'))).toHaveLength(1);
  });

  it('runs on start: a restarted Baton recovers without being asked', async () => {
    const l = await start({ recoveryIntervalMs: 0 });
    const issue = await runInBuild(l, 'On start');
    await l.stopBaton();
    finish(l, issue, 9);
    await l.sandbox.settled();
    await l.restartBaton();
    await l.baton.recoveryIdle();
    await l.settle();
    expect(stageLabels(l, issue)).toEqual(['baton:done']);
  });
});
