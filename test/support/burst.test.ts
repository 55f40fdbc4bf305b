// The durability bench's figures can fail: each symptom a worse design leaves on GitHub (a second card, a comment
// posted twice, a stale stage label, a transition never recorded, a run left short of done, a person's label or
// assignee change undone by a whole-list write) raises exactly the figure that names it.
import { Sandbox, seedDemo } from '../../src/sandbox/index.js';
import type { RunState } from '../../src/engine/types.js';
import type { Store, TransitionRecord } from '../../src/store/types.js';
import { auditBurst, BURST_FLOW, createIssues, personAtWork, STEPS } from './burst.js';
import { BOT } from './child.js';

const card = (run: Partial<RunState>) =>
  `<!-- baton:card -->\nstatus\n<!-- baton:state ${Buffer.from(JSON.stringify({ v: 1, ...run })).toString('base64')} -->`;

function world() {
  const sandbox = new Sandbox({ secret: 's', appId: 1, botLogin: BOT });
  const { repo } = seedDemo(sandbox, { flowYml: BURST_FLOW });
  const issues = createIssues(sandbox, repo, 3);
  const transitions: TransitionRecord[] = [];
  // What a correct Baton leaves: one card at `done` with the flow's history, one stage label, four transitions.
  for (const n of issues) {
    sandbox.comment(n, card({ stage: 'done', history: STEPS.map((s) => ({ to: s.to }) as never) }), { by: BOT, repo });
    sandbox.labelIssue(n, 'baton:done', { by: BOT, repo });
    for (const s of STEPS) transitions.push({ repo, issue: n, to: s.to } as unknown as TransitionRecord);
  }
  const store = { transitions: async () => transitions } as unknown as Store;
  return { sandbox, repo, issues, transitions, store };
}

describe('auditBurst and personAtWork', () => {
  it('a correct outcome scores 0 on every figure', async () => {
    const w = world();
    const a = await auditBurst(w.sandbox, w.repo, w.issues, w.store);
    expect({ duplicates: a.duplicates, lost: a.lost, stuck: a.wrongStage, order: a.outOfOrder }).toEqual({
      duplicates: 0,
      lost: 0,
      stuck: [],
      order: [],
    });
    expect(a.transitions).toBe(12);
  });

  it('a second card, a comment posted twice and a stale stage label are duplicates', async () => {
    const w = world();
    const [a, b, c] = w.issues as [number, number, number];
    w.sandbox.comment(a, card({ stage: 'done', history: STEPS.map((s) => ({ to: s.to }) as never) }), {
      by: BOT,
      repo: w.repo,
    });
    for (let i = 0; i < 2; i++) w.sandbox.comment(b, 'hello\n<!-- baton:effect k1 -->', { by: BOT, repo: w.repo });
    w.sandbox.labelIssue(c, 'baton:review', { by: BOT, repo: w.repo });
    expect((await auditBurst(w.sandbox, w.repo, w.issues, w.store)).duplicates).toBe(3);
  });

  it('a transition never recorded is lost; one recorded twice is a duplicate', async () => {
    const w = world();
    w.transitions.splice(0, 1);
    expect((await auditBurst(w.sandbox, w.repo, w.issues, w.store)).lost).toBe(1);
    w.transitions.push(w.transitions[0]!, w.transitions[1]!);
    expect((await auditBurst(w.sandbox, w.repo, w.issues, w.store)).duplicates).toBe(1);
  });

  it('a run short of its final stage is stuck, and a history out of order is reported', async () => {
    const w = world();
    const [a] = w.issues as [number];
    w.sandbox.comment(a, card({ stage: 'review', history: [{ to: 'spec' }, { to: 'review' }] as never }), {
      by: BOT,
      repo: w.repo,
    });
    const audit = await auditBurst(w.sandbox, w.repo, w.issues, w.store);
    expect(audit.wrongStage).toEqual([a]);
    expect(audit.outOfOrder).toEqual([a]);
  });

  it("a whole-list write after the person's edit reverts it, and is counted", () => {
    const w = world();
    const person = personAtWork(w.sandbox, w.repo, w.issues, () => 0);
    person.finish();
    expect(person.applied).toBe(12);
    expect(person.reverted()).toBe(0);
    // What a read-then-PATCH of the whole lists does to the first issue: the lists as they were before the person.
    const [n] = w.issues as [number];
    w.sandbox.unlabelIssue(n, 'urgent', { by: BOT, repo: w.repo });
    w.sandbox.labelIssue(n, 'triage', { by: BOT, repo: w.repo });
    w.sandbox.unassign(n, ['dave'], { by: BOT, repo: w.repo });
    w.sandbox.assign(n, ['erin'], { by: BOT, repo: w.repo });
    expect(person.reverted()).toBe(4);
  });
});
