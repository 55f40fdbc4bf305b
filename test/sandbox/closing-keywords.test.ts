// GitHub's closing keywords in a PR description, and the merge into the default branch closing those issues.
import { closingRefs } from '../../src/sandbox/closing-keywords.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { receiver, seeded } from './helpers.js';

describe('closingRefs', () => {
  it.each(['close', 'closes', 'closed', 'fix', 'fixes', 'fixed', 'resolve', 'resolves', 'resolved'])(
    '"%s #7" closes #7, in any case and with a colon',
    (kw) => {
      expect(closingRefs('acme/web', `${kw} #7`)).toEqual([7]);
      expect(closingRefs('acme/web', `${kw.toUpperCase()}: #7`)).toEqual([7]);
    },
  );

  it('names issues of this repository only, each once, each with its own keyword', () => {
    expect(closingRefs('acme/web', 'Fixes acme/web#3, fixes ACME/Web#4, fixes other/repo#5 and fixes #3')).toEqual([
      3, 4,
    ]);
    expect(closingRefs('acme/web', 'Closes #1, #2')).toEqual([1]);
  });

  it('ignores what is not a closing keyword followed by a reference', () => {
    expect(closingRefs('acme/web', 'See #4; refs #5; prefix #6; fixing #7; unfixes #8; fixes#9')).toEqual([]);
    expect(closingRefs('acme/web', null)).toEqual([]);
  });
});

describe('merging a PR closes the issues it fixes', () => {
  let sb: Sandbox;
  let rx: Awaited<ReturnType<typeof receiver>>;
  beforeEach(async () => {
    rx = await receiver();
    sb = await seeded({ webhookUrl: rx.url });
  });
  afterEach(async () => {
    await sb.stop();
    await rx.close();
  });

  it('into the default branch: as completed, by the merger, each with its own issues.closed', async () => {
    const a = sb.createIssue({ title: 'A', by: 'alice' }).number;
    const b = sb.createIssue({ title: 'B', by: 'alice' }).number;
    const c = sb.createIssue({ title: 'C', by: 'alice' }).number;
    const done = sb.createIssue({ title: 'Already closed', by: 'alice' }).number;
    sb.closeIssue(done, { by: 'alice', reason: 'not_planned' });
    // The title's keyword does not count: GitHub reads the description.
    const pr = sb.openPr({
      head: 'fix',
      title: `Fixes #${c}`,
      body: `Fixes #${a}\nresolves acme/web#${b}\ncloses #${done}`,
      author: 'bob',
      files: { 'src/x.ts': 'x\n' },
    }).number;
    await sb.settled();
    rx.got.length = 0;
    sb.mergePr(pr, { by: 'carol' });
    await sb.settled();
    const closes = rx.got.filter((g) => g.headers['x-github-event'] === 'issues' && g.body.action === 'closed');
    expect(closes.map((g) => [g.body.issue.number, g.body.issue.state_reason, g.body.sender.login])).toEqual([
      [a, 'completed', 'carol'],
      [b, 'completed', 'carol'],
    ]);
    expect(sb.issue(c).state).toBe('open');
    expect(sb.issue(done).state_reason).toBe('not_planned');
    expect(sb.issue(a)).toMatchObject({ state: 'closed', closed_by: 'carol' });
  });

  it('into another branch: nothing is closed', async () => {
    const a = sb.createIssue({ title: 'A', by: 'alice' }).number;
    sb.commitFiles('acme/web', 'release', { 'RELEASE.md': 'r\n' }, { from: 'main' });
    const pr = sb.openPr({ head: 'fix', base: 'release', title: 'Fix', body: `Fixes #${a}`, files: { 'x.ts': 'x\n' } });
    sb.mergePr(pr.number, { by: 'carol' });
    await sb.settled();
    expect(sb.issue(a).state).toBe('open');
    expect(rx.got.some((g) => g.headers['x-github-event'] === 'issues' && g.body.action === 'closed')).toBe(false);
  });
});
