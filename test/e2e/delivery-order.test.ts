// GitHub sends webhooks concurrently and not always in order: with the sandbox doing the same, runs still end in
// the right stage, with one card and one stage label each and every transition recorded once.
import { rng } from '../../src/report/history.js';
import { BURST_FLOW, STEPS } from '../support/burst.js';
import { card, local, stageLabels } from '../support/local.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local | undefined;
afterEach(async () => {
  await lb?.cleanup();
});

it('runs end right when deliveries arrive concurrently and out of order', async () => {
  lb = await local({ flowYml: BURST_FLOW, delivery: { concurrency: 8, window: 12, random: rng(10) } });
  const l = lb;
  const repo = l.seeded.repo;
  const issues = Array.from({ length: 6 }, (_, i) => l.sandbox.createIssue({ title: `Busy ${i}`, by: 'alice', repo }));
  await l.settle();
  // People act in flow order; their webhooks leave GitHub together and may overtake one another.
  for (const { label } of STEPS) for (const i of issues) l.sandbox.labelIssue(i.number, label, { by: 'alice', repo });
  await l.settle();
  // Some issue's labels really reached Baton out of order (the log records each delivery when it was answered).
  const answered = l.sandbox.hookLog
    .list()
    .reverse()
    .filter((a) => a.event === 'issues' && a.action === 'labeled');
  const order = (n: number) =>
    answered
      .map((a) => a.request.payload as { issue: { number: number }; label: { name: string } } | null)
      .filter((p) => p?.issue.number === n)
      .map((p) => p!.label.name)
      .filter((name) => STEPS.some((s) => s.label === name));
  expect(issues.some((i) => order(i.number).join() !== STEPS.map((s) => s.label).join())).toBe(true);
  const outcome = issues.map((i) => {
    const c = card(l, i.number);
    return { cards: c.count, stage: c.run?.stage, labels: stageLabels(l, i.number) };
  });
  expect(outcome).toEqual(issues.map(() => ({ cards: 1, stage: 'done', labels: ['baton:done'] })));
  const moves = await l.stack.store.transitions({ repo });
  expect(moves.length).toBe(issues.length * STEPS.length);
}, 120_000);
