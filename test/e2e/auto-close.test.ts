// A PR whose description says "Fixes #N", merged into the default branch, makes GitHub close issue #N itself (as
// completed, by the merger), and the two `closed` webhooks arrive in no set order. That close is the merge's
// completion: the run reaches its next stage whichever arrives first, a stage after the merge keeps going, and only a
// person's close cancels.
import { post } from '../support/post.js';
import { signBody } from '../../src/sandbox/index.js';
import { card, local, stageLabels } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

const flow = (afterMerge: string) => `version: 1
name: closes
trigger: flow:feature
roles:
  dev: bob
stages:
  - { id: build, owner: dev, on: [{ event: pr.opened, to: merge }] }
  - { id: merge, owner: dev, on: [{ event: pr.merged, to: ${afterMerge} }] }
${afterMerge === 'verify' ? '  - { id: verify, owner: dev, on: [{ event: issue.labeled, label: verified, to: done }] }\n' : ''}  - { id: done, final: true }
`;

/** A run in `merge` on a new issue, with bob's PR that says it fixes the issue. */
async function toMerge(afterMerge: 'done' | 'verify'): Promise<{ repo: string; issue: number; pr: number }> {
  lb = await local({ flowYml: flow(afterMerge) });
  const repo = lb.seeded.repo;
  const issue = lb.sandbox.createIssue({ title: 'Feature', body: 'x', by: 'alice', repo }).number;
  lb.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
  await lb.settle();
  const pr = lb.sandbox.openPr({
    repo,
    head: 'feature',
    title: 'Feature',
    body: `Does the thing.\n\nFixes #${issue}`,
    author: 'bob',
    files: { 'src/feature.ts': 'export const f = 1;\n' },
  }).number;
  await lb.settle();
  expect(card(lb, issue).run!.stage).toBe('merge');
  return { repo, issue, pr };
}

/** Merge the PR as carol; with `issueFirst`, Baton gets the issue's `issues.closed` before the PR's `closed`. */
async function merge(repo: string, pr: number, issueFirst: boolean): Promise<void> {
  let held: Record<string, unknown> | undefined;
  if (issueFirst)
    lb.sandbox.dropDeliveries((event, p) => {
      if (event !== 'pull_request' || p.action !== 'closed') return false;
      held = p;
      return true;
    });
  lb.sandbox.mergePr(pr, { by: 'carol', repo });
  await lb.settle();
  if (!issueFirst) return;
  lb.sandbox.dropDeliveries(undefined);
  expect(held).toBeDefined();
  const body = JSON.stringify(held);
  const status = await post(
    lb.baton.webhookUrl,
    {
      'x-github-event': 'pull_request',
      'x-github-delivery': 'late-pull-request-closed',
      'x-hub-signature-256': signBody((lb.sandbox.opts as any).secret, body),
    },
    body,
  );
  expect(status).toBe(200);
  await lb.settle();
}

const moves = (issue: number) => card(lb, issue).run!.history.map((h) => `${h.from ?? '∅'}>${h.to}:${h.kind}`);

describe.each([
  ['the PR’s closed event first', false],
  ['the issue’s closed event first', true],
])('a merge that closes the issue (%s)', (_, issueFirst) => {
  it('reaches done, not cancelled, with one merge transition', async () => {
    const { repo, issue, pr } = await toMerge('done');
    await merge(repo, pr, issueFirst);
    const closed = lb.sandbox.issue(issue, repo);
    expect([closed.state, closed.state_reason, closed.closed_by]).toEqual(['closed', 'completed', 'carol']);
    const run = card(lb, issue).run!;
    expect(run.status).toBe('done');
    expect(moves(issue)).toEqual(['∅>build:start', 'build>merge:forward', 'merge>done:done']);
    expect(run.history.at(-1)!.by).toBe('carol');
    expect(stageLabels(lb, issue)).toEqual(['baton:done']);
    expect(card(lb, issue).count).toBe(1);
    const recorded = await lb.stack.store.transitions({ repo });
    expect(recorded.filter((t) => t.issue === issue)).toHaveLength(3);
  });

  it('a flow with a verify stage after the merge stays in verify, then goes on', async () => {
    const { repo, issue, pr } = await toMerge('verify');
    await merge(repo, pr, issueFirst);
    expect(lb.sandbox.issue(issue, repo).state).toBe('closed');
    expect(card(lb, issue).run).toMatchObject({ stage: 'verify', status: 'active' });
    expect(stageLabels(lb, issue)).toEqual(['baton:verify']);
    lb.sandbox.labelIssue(issue, 'verified', { by: 'bob', repo });
    await lb.settle();
    expect(card(lb, issue).run).toMatchObject({ stage: 'done', status: 'done' });
    expect(moves(issue)).toEqual(['∅>build:start', 'build>merge:forward', 'merge>verify:forward', 'verify>done:done']);
  });
});

/** In verify after a merge whose auto-close was never delivered, then reopened by a person: the next close is theirs. */
async function mergedThenReopened() {
  const { repo, issue, pr } = await toMerge('verify');
  lb.sandbox.dropDeliveries((event, p) => event === 'issues' && p.action === 'closed');
  lb.sandbox.mergePr(pr, { by: 'carol', repo });
  await lb.settle();
  lb.sandbox.dropDeliveries(undefined);
  lb.sandbox.reopenIssue(issue, { by: 'alice', repo });
  await lb.settle();
  return { repo, issue };
}

describe('a person closing the issue still cancels', () => {
  it('closed as completed while the PR is open', async () => {
    const { repo, issue } = await toMerge('done');
    lb.sandbox.closeIssue(issue, { by: 'alice', repo, reason: 'completed' });
    await lb.settle();
    expect(card(lb, issue).run).toMatchObject({ stage: 'merge', status: 'cancelled' });
  });

  it('closed as not planned after the merge, in verify', async () => {
    const { repo, issue } = await mergedThenReopened();
    expect(card(lb, issue).run).toMatchObject({ stage: 'verify', status: 'active' });
    lb.sandbox.closeIssue(issue, { by: 'carol', repo, reason: 'not_planned' });
    await lb.settle();
    expect(card(lb, issue).run).toMatchObject({ stage: 'verify', status: 'cancelled' });
  });

  it('closed as completed after the merge by someone other than the merger', async () => {
    const { repo, issue } = await mergedThenReopened();
    lb.sandbox.closeIssue(issue, { by: 'alice', repo, reason: 'completed' });
    await lb.settle();
    expect(card(lb, issue).run).toMatchObject({ stage: 'verify', status: 'cancelled' });
  });
});
