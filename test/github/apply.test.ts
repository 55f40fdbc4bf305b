// Effects reach GitHub exactly once: the journal skips what is done, a pending or retried effect is checked against
// GitHub first, a permanent refusal skips only that effect (and says why), a transient failure fails the job. And
// the issue delta touches only what Baton owns. Over HTTP against the sandbox, with a real SQLite store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EFFECT_MARKER, EffectApplier, issueDelta, type ApplyContext } from '../../src/github/apply.js';
import { openStore } from '../../src/store/index.js';
import type { StoreWithJobs } from '../../src/store/types.js';
import type { Effect } from '../../src/engine/types.js';
import { change, REPO, taskRepo, type TaskRepo } from '../support/sandbox-repo.js';

describe('issueDelta', () => {
  const label = (labels: string[]): Effect & { kind: 'label.add' } => ({
    kind: 'label.add',
    key: 'l',
    issue: 1,
    labels,
  });

  it('adds and removes only what the effects name; labels people set stay', () => {
    const d = issueDelta({ labels: ['bug', 'flow:feature'], assignees: ['ann'] }, [
      label(['ready', 'bug']),
      { kind: 'label.remove', key: 'r', issue: 1, label: 'wip' },
      { kind: 'assign', key: 'a', issue: 1, users: ['bob', 'ANN'] },
      { kind: 'unassign', key: 'u', issue: 1, users: ['cid'] },
    ]);
    // `bug` is there already, `wip` and `cid` are not: nothing to write for them; `ann` matches case-insensitively.
    expect(d).toEqual({ addLabels: ['ready'], removeLabels: [], addAssignees: ['bob'], removeAssignees: [] });
  });

  it('keeps exactly one stage label: the current one back, a stale one gone, the risk label untouched', () => {
    const d = issueDelta({ labels: ['baton:build', 'baton:high-risk', 'baton:x'], assignees: [] }, [], 'baton:review');
    expect(d.addLabels).toEqual(['baton:review']);
    expect(d.removeLabels.sort()).toEqual(['baton:build', 'baton:x']);
    expect(issueDelta({ labels: ['Baton:Review'], assignees: [] }, [], 'baton:review').addLabels).toEqual([]);
  });

  it('the last effect on a label or person wins, and at most 10 assignees are added (GitHub’s limit)', () => {
    const d = issueDelta({ labels: ['x'], assignees: [] }, [
      { kind: 'label.remove', key: 'r', issue: 1, label: 'x' },
      label(['x']),
      { kind: 'assign', key: 'a', issue: 1, users: Array.from({ length: 12 }, (_, i) => `u${i}`) },
    ]);
    expect(d.removeLabels).toEqual([]);
    expect(d.addAssignees).toHaveLength(10);
  });
});

describe('EffectApplier', () => {
  let gh: TaskRepo;
  let store: StoreWithJobs;
  let dir: string;
  let issue: number;
  beforeEach(async () => {
    gh = await taskRepo({ now: new Date('2026-11-20T00:00:00Z'), users: ['pm', 'dev'] });
    dir = mkdtempSync(join(tmpdir(), 'baton-apply-'));
    store = await openStore({ dataDir: dir });
    issue = gh.sb.createIssue({ repo: REPO, title: 'A feature', author: 'pm' }).number;
    gh.sb.resetCounts();
  });
  afterEach(async () => {
    await gh.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ctx = (verifyAll = false): ApplyContext => ({ port: gh.port, store, verifyAll });
  const comment = (key = 'c1'): Effect => ({ kind: 'comment', key, issue, body: 'Handed to @dev' });
  const mine = () => gh.sb.comments(issue, REPO).filter((c) => c.body.includes(EFFECT_MARKER('c1')));

  it('writes an effect once: a done effect is skipped, also by a new applier', async () => {
    await new EffectApplier({}).applyAll([comment()], ctx());
    await new EffectApplier({}).applyAll([comment()], ctx(true));
    expect(mine()).toHaveLength(1);
    expect(await store.effectState('c1')).toBe('done');
    expect(gh.writes()).toBe(1);
  });

  it('an effect left pending (a crash after the write) is checked on GitHub, not posted again', async () => {
    await new EffectApplier({}).applyAll([comment()], ctx());
    await store.markEffect('c1', 'pending');
    await new EffectApplier({}).applyAll([comment()], ctx());
    expect(mine()).toHaveLength(1);
    expect(await store.effectState('c1')).toBe('done');
  });

  it('a 5xx after GitHub did the work fails the job; its retry finds the comment and does not post a second', async () => {
    gh.sb.fail({ route: /issues\/\{issue_number\}\/comments$/, method: 'POST', status: 502, applied: true });
    await expect(new EffectApplier({}).applyAll([comment()], ctx())).rejects.toMatchObject({ status: 502 });
    expect(await store.effectState('c1')).toBe('pending');
    await new EffectApplier({}).applyAll([comment()], ctx(true));
    expect(mine()).toHaveLength(1);
  });

  it('a permanent refusal skips only that effect, once, with the fix; the rest is applied', async () => {
    const pr = gh.openPr({ author: 'pm', title: 'Change', changes: [change('src/a.ts', 2, 0)] }).number;
    const a = new EffectApplier({});
    await a.applyAll(
      [{ kind: 'review.request', key: 'rv', pr, users: ['stranger'], teams: [], role: 'reviewer' }, comment()],
      ctx(),
    );
    expect(mine()).toHaveLength(1);
    expect(a.skipped).toEqual([
      {
        key: 'rv',
        reason: expect.stringMatching(/@stranger is not a collaborator on acme\/app.*change role `reviewer`/),
      },
    ]);
    // Journaled as done: a retry does not ask GitHub again.
    expect(await store.effectState('rv')).toBe('done');
  });

  it('a check effect writes the check run on the sha, and rewriting the same result is not a new write', async () => {
    const pr = gh.openPr({ author: 'pm', title: 'Change', changes: [change('src/a.ts', 2, 0)] });
    const check = (key: string): Effect => ({
      kind: 'check',
      key,
      sha: pr.headSha,
      name: 'Baton / flow',
      conclusion: 'success',
      title: 'Ready',
      summary: 'All good',
    });
    await new EffectApplier({}).applyAll([check('k1')], ctx());
    gh.sb.resetCounts();
    await new EffectApplier({}).applyAll([check('k2')], ctx());
    expect(gh.checks().map((c) => [c.name, c.head_sha, c.conclusion])).toEqual([
      ['Baton / flow', pr.headSha, 'success'],
    ]);
    expect(gh.writes()).toBe(0);
  });

  it('labels and assignees: one delta against what GitHub has; a label someone added meanwhile stays', async () => {
    gh.sb.labelIssue(issue, 'customer', { by: 'pm', repo: REPO });
    const r = await new EffectApplier({}).syncIssue(
      issue,
      [
        { kind: 'label.add', key: 'la', issue, labels: ['flow:feature'] },
        { kind: 'assign', key: 'as', issue, users: ['dev'] },
      ],
      ctx(),
      'baton:build',
    );
    expect(r?.assignees).toEqual(['dev']);
    expect(gh.labels(issue).sort()).toEqual(['baton:build', 'customer', 'flow:feature']);
    expect(await store.effectState('la')).toBe('done');
    gh.sb.resetCounts();
    // Nothing left to do: the journal says done and the stage label is there.
    await new EffectApplier({}).syncIssue(
      issue,
      [{ kind: 'label.add', key: 'la', issue, labels: ['flow:feature'] }],
      ctx(),
      'baton:build',
    );
    expect(gh.writes()).toBe(0);
  });

  it('an assignee GitHub cannot assign is reported with the role to change', async () => {
    const a = new EffectApplier({});
    const r = await a.syncIssue(issue, [{ kind: 'assign', key: 'as', issue, users: ['stranger'], role: 'dev' }], ctx());
    expect(r?.assignees).toEqual([]);
    expect(a.skipped).toEqual([
      { key: 'as', reason: expect.stringMatching(/@stranger cannot be assigned on acme\/app.*change role `dev`/) },
    ]);
  });
});
