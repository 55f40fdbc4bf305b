import { createRequire } from 'node:module';
import { normalize, orderingKey, type Lookups } from '../../src/github/events.js';
import { issueFromBranch, issuesFromKeywords, linkedIssue, parseCommand, references } from '../../src/github/links.js';

type P = Record<string, any>;
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as unknown;
const example = (name: string, pick: (e: P) => boolean): P => {
  const group = (examples as unknown as { name: string; examples: P[] }[]).find((g) => g.name === name)!;
  return structuredClone(group.examples.find(pick)!);
};

const lookups = (over: Partial<Lookups> = {}): Lookups => ({
  issueForPr: async () => undefined,
  permission: async () => 'write',
  approvals: async () => [],
  pull: async (n) => ({
    number: n,
    user: { login: 'bob' },
    head: { sha: 'abc', ref: 'feature' },
    draft: false,
    title: 't',
    body: null,
  }),
  ...over,
});

describe('links', () => {
  it('finds closing keywords, same repo only', () => {
    expect(issuesFromKeywords('Fixes #12 and closes #13', 'a/b')).toEqual([12, 13]);
    expect(issuesFromKeywords('Resolved: #4', 'a/b')).toEqual([4]);
    expect(issuesFromKeywords('fixes other/repo#9, fixes a/b#7', 'a/b')).toEqual([7]);
    expect(issuesFromKeywords('mentions #5 but fixes nothing', 'a/b')).toEqual([]);
  });
  it('reads issue numbers from branch names', () => {
    expect(issueFromBranch('12-login')).toBe(12);
    expect(issueFromBranch('feature/34-billing')).toBe(34);
    expect(issueFromBranch('issue-56')).toBe(56);
    expect(issueFromBranch('main')).toBeUndefined();
    expect(issueFromBranch('v2-release')).toBeUndefined();
  });
  it('keywords win over the branch', () => {
    expect(linkedIssue({ body: 'Fixes #3', head: { ref: '9-x' } }, 'a/b')).toEqual({ issue: 3, by: 'keyword' });
    expect(linkedIssue({ body: '', head: { ref: '9-x' } }, 'a/b')).toEqual({ issue: 9, by: 'branch' });
  });
  it('parses /baton commands and references', () => {
    expect(parseCommand('thanks!\n/baton advance review')).toEqual({ command: 'advance', args: ['review'] });
    expect(parseCommand('/batonx nope')).toBeUndefined();
    expect(references('Regression from #123 (see #124)')).toEqual([123, 124]);
  });
});

describe('normalize (GitHub example payloads)', () => {
  it('issues.labeled → issue.labeled with a content fingerprint', async () => {
    const p = example('issues', (e) => e.action === 'labeled');
    const n = await normalize('issues', p, lookups());
    expect(n.events).toEqual([
      expect.objectContaining({
        type: 'issue.labeled',
        label: p.label.name,
        issue: p.issue.number,
        repo: p.repository.full_name,
        actor: p.sender.login,
      }),
    ]);
    const again = await normalize('issues', structuredClone(p), lookups());
    expect(again.events[0]!.id).toBe(n.events[0]!.id);
  });

  it('an occurrence with no id of its own is told apart by its delivery GUID, and its redeliveries are not', async () => {
    const p = example('issues', (e) => e.action === 'labeled');
    const id = async (guid?: string) =>
      (await normalize('issues', structuredClone(p), lookups(), undefined, guid)).events[0]!.id;
    expect(await id('g-1')).toBe(await id('g-1'));
    expect(await id('g-2')).not.toBe(await id('g-1'));
    expect(await id()).toBe(await id());
    const closed = example('pull_request', (e) => e.action === 'closed');
    closed.pull_request.body = 'Fixes #1';
    for (const merged of [false, true]) {
      closed.pull_request.merged = merged;
      const a = (await normalize('pull_request', structuredClone(closed), lookups(), undefined, 'g-1')).events[0]!;
      const b = (await normalize('pull_request', structuredClone(closed), lookups(), undefined, 'g-2')).events[0]!;
      // Closing can happen again after a reopen; a merge happens once, whatever delivery carries it.
      expect([a.type, a.id === b.id]).toEqual([merged ? 'pr.merged' : 'pr.closed', merged]);
    }
  });

  it("ignores its own events and bots' commands; other bots' work counts", async () => {
    const p = example('issues', (e) => e.action === 'labeled');
    p.sender = { login: 'baton[bot]', type: 'Bot' };
    expect((await normalize('issues', p, lookups(), 'baton[bot]')).ignored).toBe('own event');
    p.sender = { login: 'renovate[bot]', type: 'Bot' };
    expect((await normalize('issues', p, lookups(), 'baton[bot]')).events).toHaveLength(1);
    const c = example('issue_comment', (e) => e.action === 'created');
    c.comment.body = '/baton advance';
    c.sender = { login: 'helper[bot]', type: 'Bot' };
    expect((await normalize('issue_comment', c, lookups(), 'baton[bot]')).ignored).toBe('bot sender helper[bot]');
  });

  it('issues.labeled without `label` (allowed by the schema) is ignored, not a TypeError', async () => {
    const p = example('issues', (e) => e.action === 'labeled');
    delete p.label;
    expect((await normalize('issues', p, lookups())).ignored).toBe('issues.labeled without a label');
  });

  it('pull_request.opened with a closing keyword → pr.opened on that issue, plus a flow.yml check candidate', async () => {
    const p = example('pull_request', (e) => e.action === 'opened' && !e.pull_request.draft);
    p.pull_request.body = 'Fixes #7';
    const n = await normalize('pull_request', p, lookups());
    expect(n.events[0]).toMatchObject({
      type: 'pr.opened',
      issue: 7,
      linkedBy: 'keyword',
      pr: { number: p.pull_request.number, headSha: p.pull_request.head.sha },
    });
    expect(n.flowCheck).toEqual({
      pr: p.pull_request.number,
      headSha: p.pull_request.head.sha,
      headRef: p.pull_request.head.ref,
    });
  });

  it('a PR with no link falls back to the store', async () => {
    const p = example('pull_request', (e) => e.action === 'synchronize');
    p.pull_request.body = '';
    p.pull_request.head.ref = 'no-number';
    expect((await normalize('pull_request', p, lookups())).events).toEqual([]);
    const n = await normalize('pull_request', p, lookups({ issueForPr: async () => 21 }));
    expect(n.events[0]).toMatchObject({ type: 'pr.synchronize', issue: 21 });
  });

  it('closed + merged → pr.merged; closed unmerged → pr.closed', async () => {
    const p = example('pull_request', (e) => e.action === 'closed');
    p.pull_request.body = 'closes #2';
    p.pull_request.merged = true;
    expect((await normalize('pull_request', p, lookups())).events[0]!.type).toBe('pr.merged');
    p.pull_request.merged = false;
    expect((await normalize('pull_request', p, lookups())).events[0]!.type).toBe('pr.closed');
  });

  it('review submitted approved → review.approved with the current approvals', async () => {
    const p = example('pull_request_review', (e) => e.action === 'submitted');
    p.review.state = 'approved';
    p.pull_request.body = 'Fixes #3';
    const n = await normalize('pull_request_review', p, lookups({ approvals: async () => ['erin'] }));
    expect(n.events[0]).toMatchObject({
      type: 'review.approved',
      reviewer: p.review.user.login,
      approvals: ['erin', p.review.user.login],
    });
  });

  it('check_suite.completed → checks.completed for linked PRs', async () => {
    const p = example('check_suite', (e) => e.action === 'completed' && e.check_suite.pull_requests.length === 1);
    const n = await normalize('check_suite', p, lookups({ issueForPr: async () => 4 }));
    expect(n.events[0]).toMatchObject({ type: 'checks.completed', issue: 4, suite: true, conclusion: 'success' });
  });

  it('issue_comment /baton command → command with the permission looked up', async () => {
    const p = example('issue_comment', (e) => e.action === 'created');
    p.comment.body = '/baton assign @zoe';
    const n = await normalize('issue_comment', p, lookups({ permission: async () => 'read' }));
    expect(n.events[0]).toMatchObject({
      type: 'command',
      command: 'assign',
      args: ['@zoe'],
      permission: 'read',
      commentId: p.comment.id,
    });
    p.comment.body = 'just chatting';
    expect((await normalize('issue_comment', p, lookups())).events).toEqual([]);
  });

  it('/baton link #n on a PR targets issue n', async () => {
    const p = example('issue_comment', (e) => e.action === 'created');
    p.issue.pull_request = { url: 'x' };
    p.comment.body = '/baton link #12';
    const n = await normalize('issue_comment', p, lookups());
    expect(n.events[0]).toMatchObject({ type: 'command', command: 'link', issue: 12, pr: { number: p.issue.number } });
    expect(await orderingKey('issue_comment', p, async () => undefined)).toBe(`${p.repository.full_name}#12`);
  });
});

describe('orderingKey', () => {
  it('keys issue events by issue and PR events by their linked issue', async () => {
    const i = example('issues', (e) => e.action === 'labeled');
    expect(await orderingKey('issues', i, async () => undefined)).toBe(`${i.repository.full_name}#${i.issue.number}`);
    const p = example('pull_request', (e) => e.action === 'opened');
    p.pull_request.body = 'Fixes #9';
    expect(await orderingKey('pull_request', p, async () => undefined)).toBe(`${p.repository.full_name}#9`);
    p.pull_request.body = '';
    p.pull_request.head.ref = 'nothing';
    expect(await orderingKey('pull_request', p, async () => 5)).toBe(`${p.repository.full_name}#5`);
    expect(await orderingKey('pull_request', p, async () => undefined)).toBe(
      `${p.repository.full_name}!pr${p.pull_request.number}`,
    );
  });
});
