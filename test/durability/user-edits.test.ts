// People keep editing an issue while Baton works on it. Baton writes only what it owns (its stage label, the owners
// it hands off between): a label or assignee someone changed between Baton's read of the issue and its write is
// never reverted, and a user's transition label is never re-added behind their back.
import { SANDBOX_BOT } from '../../src/sandbox/local-baton.js';
import { local } from '../support/local.js';
import { auditIssue } from '../support/audit.js';
import { BURST_FLOW } from '../support/burst.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local | undefined;
afterEach(async () => {
  await lb?.cleanup();
  lb = undefined;
});

describe('a person editing labels and assignees while Baton works', () => {
  it('edits made between Baton reading the issue and writing it stay as the person left them', async () => {
    lb = await local({ flowYml: BURST_FLOW });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Busy issue', by: 'alice', repo }).number;
    l.sandbox.labelIssue(issue, 'bug', { by: 'alice', repo });
    l.sandbox.assign(issue, ['erin'], { by: 'alice', repo });
    l.sandbox.labelIssue(issue, 'flow:burst', { by: 'alice', repo });
    await l.settle();
    // The next read of the issue by Baton (the hand-off to build) is answered after the person acted.
    let armed = true;
    l.sandbox.http.onAnswer = (a) => {
      if (!armed || a.method !== 'GET' || a.route !== '/repos/{owner}/{repo}/issues/{issue_number}') return;
      armed = false;
      l.sandbox.labelIssue(issue, 'urgent', { by: 'dave', repo });
      l.sandbox.unlabelIssue(issue, 'bug', { by: 'dave', repo });
      l.sandbox.assign(issue, ['dave'], { by: 'dave', repo });
      l.sandbox.unassign(issue, ['erin'], { by: 'dave', repo });
    };
    l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
    await l.settle();
    l.sandbox.http.onAnswer = undefined;
    expect(armed).toBe(false);
    const now = l.sandbox.issue(issue, repo);
    const a = auditIssue(l.sandbox, repo, issue, SANDBOX_BOT);
    expect({
      stage: a.run?.stage,
      labels: [...now.labels].sort(),
      assignees: [...now.assignees].sort(),
    }).toEqual({
      stage: 'build',
      labels: ['baton:build', 'flow:burst', 'spec:ready', 'urgent'],
      // bob owns build (handed off from alice); dave stays, erin stays removed.
      assignees: ['bob', 'dave'],
    });
  }, 30_000);

  it('a transition label the person removed right after adding it is not put back by Baton', async () => {
    lb = await local({ flowYml: BURST_FLOW });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Second thoughts', by: 'alice', repo }).number;
    l.sandbox.labelIssue(issue, 'flow:burst', { by: 'alice', repo });
    await l.settle();
    let armed = true;
    l.sandbox.http.onAnswer = (a) => {
      if (!armed || a.method !== 'GET' || a.route !== '/repos/{owner}/{repo}/issues/{issue_number}') return;
      armed = false;
      l.sandbox.unlabelIssue(issue, 'spec:ready', { by: 'alice', repo });
    };
    l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
    await l.settle();
    l.sandbox.http.onAnswer = undefined;
    expect(armed).toBe(false);
    expect(l.sandbox.issue(issue, repo).labels).not.toContain('spec:ready');
    // The person can add it again and the webhook moves the run on (GitHub sends one: the label was really absent).
    l.sandbox.labelIssue(issue, 'built', { by: 'alice', repo });
    await l.settle();
    expect(auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).run?.stage).toBe('review');
  }, 30_000);
});
