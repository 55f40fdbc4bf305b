// Exactly-once visible effects under duplicate deliveries: GitHub redelivers (same X-GitHub-Delivery), and the same
// occurrence can arrive under two delivery ids (a hook re-created, a replay tool). Both must act once, for every
// kind of event that moves a run: issue labels, PR opened, review submitted, checks completed, PR merged.
import { post } from '../support/post.js';
import { signBody } from '../../src/sandbox/index.js';
import { SANDBOX_BOT } from '../../src/sandbox/local-baton.js';
import { local } from '../support/local.js';
import { auditIssue, checkRunsByName, reviewRequests } from '../support/audit.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local | undefined;
afterEach(async () => {
  await lb?.cleanup();
  lb = undefined;
});

/** Everything a duplicate could change, as a user would see it. */
function snapshot(l: Local, issue: number, pr: number) {
  const repo = l.seeded.repo;
  const side = (n: number) => ({
    comments: l.sandbox.comments(n, repo).map((c) => `${c.user}:${c.body.length}`),
    labels: [...l.sandbox.issue(n, repo).labels].sort(),
    assignees: [...l.sandbox.issue(n, repo).assignees].sort(),
  });
  const head = l.sandbox.issue(pr, repo).pull?.headSha;
  return {
    issue: side(issue),
    pr: side(pr),
    reviews: reviewRequests(l.sandbox, pr),
    checks: head ? checkRunsByName(l.sandbox, repo, head) : {},
    prs: l.sandbox.repo(repo).issues.size,
  };
}

describe('duplicate deliveries act once', () => {
  it('each step of a run, redelivered 10 times and re-sent under a new delivery id, changes nothing more', async () => {
    lb = await local();
    const l = lb;
    const repo = l.seeded.repo;
    const secret = (l.sandbox.opts as { secret: string }).secret;
    const issue = l.sandbox.createIssue({ title: 'Session TTL', body: 'shorter', by: 'alice', repo }).number;
    let pr = 0;
    // Each step is a user action; the delivery that moved the run is found by event/action and duplicated.
    const steps: Array<{
      name: string;
      act: () => void;
      pick: (d: { event: string; action?: string; payload: any }) => boolean;
      stage: string;
    }> = [
      {
        name: 'trigger label',
        act: () => l.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo }),
        pick: (d) => d.event === 'issues' && d.action === 'labeled' && d.payload.label?.name === 'flow:feature',
        stage: 'spec',
      },
      {
        name: 'spec:ready label',
        act: () => l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo }),
        pick: (d) => d.event === 'issues' && d.action === 'labeled' && d.payload.label?.name === 'spec:ready',
        stage: 'build',
      },
      {
        name: 'PR opened',
        act: () =>
          (pr = l.sandbox.openPr({
            repo,
            by: 'bob',
            author: 'bob',
            title: 'TTL',
            body: `Fixes #${issue}`,
            head: `${issue}-ttl`,
            files: { 'src/auth/session.ts': 'export const SESSION_TTL = 60;\n' },
          }).number),
        pick: (d) => d.event === 'pull_request' && d.action === 'opened',
        stage: 'review',
      },
      {
        name: 'review approved',
        act: () => l.sandbox.submitReview(pr, 'carol', 'APPROVED', 'ok', { repo }),
        pick: (d) => d.event === 'pull_request_review' && d.action === 'submitted',
        stage: 'checks',
      },
      {
        name: 'checks completed',
        act: () => l.sandbox.completeChecks(pr, 'success', 'ci', { repo }),
        pick: (d) =>
          (d.event === 'check_suite' || d.event === 'check_run') &&
          d.action === 'completed' &&
          d.payload.sender?.login !== SANDBOX_BOT,
        stage: 'merge',
      },
      {
        name: 'PR merged',
        act: () => l.sandbox.mergePr(pr, { by: 'bob', repo }),
        pick: (d) => d.event === 'pull_request' && d.action === 'closed',
        stage: 'done',
      },
    ];
    for (const step of steps) {
      const seen = l.sandbox.deliveries().length;
      step.act();
      await l.settle();
      expect([step.name, auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).run?.stage]).toEqual([step.name, step.stage]);
      const originals = l.sandbox.deliveries().slice(seen).filter(step.pick);
      expect(originals.length).toBeGreaterThan(0);
      const before = snapshot(l, issue, pr || issue);
      const transitions = (await l.stack.store.transitions({ repo })).length;
      for (const d of originals) {
        for (let i = 0; i < 10; i++) await l.sandbox.redeliver(d.id);
        const body = JSON.stringify(d.payload);
        const status = await post(
          l.baton.webhookUrl,
          {
            'x-github-event': d.event,
            'x-github-delivery': `${d.id}-again`,
            'x-hub-signature-256': signBody(secret, body),
          },
          body,
        );
        expect(status).toBe(200);
      }
      await l.settle();
      expect([step.name, snapshot(l, issue, pr || issue)]).toEqual([step.name, before]);
      expect([step.name, (await l.stack.store.transitions({ repo })).length]).toEqual([step.name, transitions]);
    }
    const end = auditIssue(l.sandbox, repo, issue, SANDBOX_BOT);
    expect(end.cards).toBe(1);
    expect(end.duplicateComments).toEqual([]);
    expect(end.run!.history.map((h) => h.to)).toEqual(['spec', 'build', 'review', 'checks', 'merge', 'done']);
    expect(auditIssue(l.sandbox, repo, pr, SANDBOX_BOT).duplicateComments).toEqual([]);
    expect(Object.values(reviewRequests(l.sandbox, pr)).every((n) => n === 1)).toBe(true);
  }, 60_000);
});

// One label moves the run at each stage: a team "bumps" an issue by removing and re-adding it.
const BUMP_FLOW = `version: 1
name: bump
trigger: flow:bump
roles:
  pm: alice
stages:
  - { id: spec, owner: pm, on: [{ event: issue.labeled, label: next, to: build }] }
  - { id: build, owner: pm, on: [{ event: issue.labeled, label: next, to: review }] }
  - { id: review, owner: pm, on: [{ event: issue.labeled, label: next, to: done }] }
  - { id: done, final: true }
`;

describe('distinct occurrences are not duplicates', () => {
  it('a label removed and re-added within the same second moves the run again; its redeliveries do not', async () => {
    lb = await local({ flowYml: BUMP_FLOW });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Bumped', by: 'alice', repo }).number;
    l.sandbox.labelIssue(issue, 'flow:bump', { by: 'alice', repo });
    await l.settle();
    // Both adds carry the same payload, updated_at included (GitHub's timestamps have one-second precision).
    const at = '2026-03-02T09:00:00Z';
    const first = l.sandbox.deliveries().length;
    l.sandbox.labelIssue(issue, 'next', { by: 'alice', repo, at });
    l.sandbox.unlabelIssue(issue, 'next', { by: 'alice', repo, at });
    l.sandbox.labelIssue(issue, 'next', { by: 'alice', repo, at });
    await l.settle();
    const adds = l.sandbox
      .deliveries()
      .slice(first)
      .filter((d) => d.event === 'issues' && d.action === 'labeled' && (d.payload as any).label?.name === 'next');
    expect(adds).toHaveLength(2);
    const { label: _a, ...one } = adds[0]!.payload as any;
    const { label: _b, ...two } = adds[1]!.payload as any;
    expect(two.issue.updated_at).toBe(one.issue.updated_at);
    expect(auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).run?.stage).toBe('review');
    // GitHub redelivers under the same GUID: those are the same occurrences and change nothing.
    for (const d of adds) for (let i = 0; i < 3; i++) await l.sandbox.redeliver(d.id);
    await l.settle();
    const end = auditIssue(l.sandbox, repo, issue, SANDBOX_BOT);
    expect({ stage: end.run?.stage, history: end.run?.history.map((h) => h.to), cards: end.cards }).toEqual({
      stage: 'review',
      history: ['spec', 'build', 'review'],
      cards: 1,
    });
    expect((await l.stack.store.transitions({ repo })).filter((t) => t.issue === issue)).toHaveLength(3);
  }, 30_000);
});
