// GitHub does not promise delivery order: an issue's deliveries can arrive shuffled, all at once, or late. Decisions
// follow GitHub's state for the facts they depend on (is the label still there?), not arrival order, so the run ends
// where the person's actions put it, with its history in flow order.
import { SANDBOX_BOT } from '../../src/sandbox/local-baton.js';
import { local } from '../support/local.js';
import { auditIssue } from '../support/audit.js';
import { BURST_FLOW, STEPS } from '../support/burst.js';
import { rng } from '../../src/report/history.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local | undefined;
afterEach(async () => {
  await lb?.cleanup();
  lb = undefined;
});

/** Do `act` with webhooks held back; returns the ids of the deliveries it caused, in the order they happened. */
async function heldBack(l: Local, act: () => void): Promise<string[]> {
  const url = l.sandbox.webhookUrl;
  l.sandbox.webhookUrl = undefined;
  const before = l.sandbox.deliveries().length;
  act();
  await l.sandbox.settled();
  l.sandbox.webhookUrl = url;
  return l.sandbox
    .deliveries()
    .slice(before)
    .map((d) => d.id);
}

describe('deliveries out of order', () => {
  it("an issue's label deliveries arriving in reverse order still walk the run through every stage, in flow order", async () => {
    lb = await local({ flowYml: BURST_FLOW });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Reversed', by: 'alice', repo }).number;
    await l.settle();
    const ids = await heldBack(l, () => {
      for (const s of STEPS) l.sandbox.labelIssue(issue, s.label, { by: 'alice', repo });
    });
    for (const id of ids.reverse()) await l.sandbox.redeliver(id);
    await l.settle();
    const a = auditIssue(l.sandbox, repo, issue, SANDBOX_BOT);
    expect({
      stage: a.run?.stage,
      history: a.run?.history.map((h) => h.to),
      cards: a.cards,
      labels: a.stageLabels,
      transitions: (await l.stack.store.transitions({ repo })).filter((t) => t.issue === issue).length,
    }).toEqual({ stage: 'done', history: STEPS.map((s) => s.to), cards: 1, labels: ['baton:done'], transitions: 4 });
  }, 30_000);

  it('a label added and removed again before Baton saw it does not move the run (the label is no longer there)', async () => {
    lb = await local({ flowYml: BURST_FLOW });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Changed mind', by: 'alice', repo }).number;
    l.sandbox.labelIssue(issue, 'flow:burst', { by: 'alice', repo });
    await l.settle();
    const ids = await heldBack(l, () => {
      l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
      l.sandbox.unlabelIssue(issue, 'spec:ready', { by: 'alice', repo });
    });
    for (const id of ids) await l.sandbox.redeliver(id);
    await l.settle();
    expect(auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).run?.stage).toBe('spec');
    // Added for good later: it moves the run.
    l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
    await l.settle();
    expect(auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).run?.stage).toBe('build');
  }, 30_000);

  it("an issue's deliveries (labels and comments) sent all at once, shuffled, still end the run at done in flow order", async () => {
    lb = await local({ flowYml: BURST_FLOW });
    const l = lb;
    const repo = l.seeded.repo;
    const issues = [1, 2, 3].map((k) => l.sandbox.createIssue({ title: `All at once ${k}`, by: 'alice', repo }).number);
    await l.settle();
    const random = rng(7);
    const ids = await heldBack(l, () => {
      for (const n of issues)
        for (const s of STEPS) {
          l.sandbox.labelIssue(n, s.label, { by: 'alice', repo });
          l.sandbox.comment(n, `note after ${s.label}`, { by: 'bob', repo });
        }
    });
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    await Promise.all(ids.map((id) => l.sandbox.redeliver(id)));
    await l.settle();
    const transitions = await l.stack.store.transitions({ repo });
    for (const n of issues) {
      const a = auditIssue(l.sandbox, repo, n, SANDBOX_BOT);
      expect({
        issue: n,
        stage: a.run?.stage,
        history: a.run?.history.map((h) => h.to),
        cards: a.cards,
        labels: a.stageLabels,
        transitions: transitions.filter((t) => t.issue === n).length,
      }).toEqual({
        issue: n,
        stage: 'done',
        history: STEPS.map((s) => s.to),
        cards: 1,
        labels: ['baton:done'],
        transitions: 4,
      });
    }
  }, 60_000);
});
